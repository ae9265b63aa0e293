package cocaine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/tutorial.md as a reader runs it: every {@code sh} block, in order, in one {@code bash} at the
 * checkout's root, each checked against the {@code output} block after it ({@code ...} stands for
 * any text). Two things differ from a reader's terminal: {@code HOME} is a fresh directory, and the
 * well-known ports 10053, 8080 and 8081 of the page become free ones (other runtimes on this machine
 * may hold those), {@code COCAINE_PORT} telling the CLI the locator's.
 */
class TutorialIT {
  static final Path PAGE = RuntimeProcess.HOME.resolve("docs/tutorial.md");
  private static final Pattern FENCE = Pattern.compile("(?m)^```(\\w*)\\n(.*?)^```\\s*$", Pattern.DOTALL);
  private static final String MARK = "@@tutorial-block ";

  @TempDir
  static Path home;

  /** A fenced block of the page: its language and text. */
  record Block(String lang, String text) {}

  /** A shell block and what the page shows it prints (empty when it shows nothing). */
  record Step(int number, String commands, List<String> expected) {}

  static List<Step> steps(String page) {
    List<Block> blocks = new ArrayList<>();
    Matcher m = FENCE.matcher(page);
    while (m.find()) {
      blocks.add(new Block(m.group(1), m.group(2)));
    }
    List<Step> steps = new ArrayList<>();
    for (int i = 0; i < blocks.size(); i++) {
      if (blocks.get(i).lang().equals("sh")) {
        boolean shown = i + 1 < blocks.size() && blocks.get(i + 1).lang().equals("output");
        steps.add(new Step(steps.size() + 1, blocks.get(i).text(),
            shown ? blocks.get(i + 1).text().lines().filter(l -> !l.isBlank()).toList() : List.of()));
      }
    }
    return steps;
  }

  @AfterAll
  static void stopTheTutorialsRuntime() throws IOException {
    Path pid = home.resolve("hello-cocaine/runtime.pid");
    if (Files.exists(pid)) {
      ProcessHandle.of(Long.parseLong(Files.readString(pid).trim())).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  @Test
  void everyCommandOfTheTutorialRunsAndPrintsWhatThePageShows() throws Exception {
    List<Step> steps = steps(Files.readString(PAGE));
    assertTrue(steps.size() >= 8, "the tutorial's shell blocks: " + steps.size());
    Map<String, String> ports = Map.of("10053", String.valueOf(RuntimeProcess.freePort()),
        "8080", String.valueOf(RuntimeProcess.freePort()), "8081", String.valueOf(RuntimeProcess.freePort()));
    StringBuilder script = new StringBuilder("set -e\n");
    for (Step s : steps) {
      String commands = s.commands();
      for (Map.Entry<String, String> p : ports.entrySet()) {
        commands = commands.replaceAll("\\b" + p.getKey() + "\\b", p.getValue());
      }
      script.append("echo '").append(MARK).append(s.number()).append("'\n").append(commands).append('\n');
    }
    script.append("echo '").append(MARK).append("end'\n");
    Path file = home.resolve("tutorial.sh");
    Files.writeString(file, script);
    ProcessBuilder bash = new ProcessBuilder("bash", file.toString()).directory(RuntimeProcess.HOME.toFile())
        .redirectErrorStream(true);
    bash.environment().put("HOME", home.toString());
    bash.environment().put("COCAINE_PORT", ports.get("10053"));
    Command.Result r = Command.run(bash, Duration.ofMinutes(10));

    List<String> outputs = split(r.output());
    int ran = outputs.size();
    String context = "\n--- tutorial output ---\n" + r.output() + "\n--- runtime.log (end) ---\n" + runtimeLog();
    assertEquals(0, r.exit(), "block " + Math.min(ran, steps.size()) + " of docs/tutorial.md failed:" + context);
    assertEquals(steps.size() + 1, ran, "every block ran" + context);
    for (Step s : steps) {
      assertShows(s, outputs.get(s.number() - 1), context);
    }
  }

  /** The output of each block, in order, cut at the marks. */
  static List<String> split(String output) {
    List<String> out = new ArrayList<>();
    StringBuilder current = null;
    for (String line : output.lines().toList()) {
      if (line.startsWith(MARK)) {
        if (current != null) {
          out.add(current.toString());
        }
        current = new StringBuilder();
      } else if (current != null) {
        current.append(line).append('\n');
      }
    }
    if (current != null) {
      out.add(current.toString());
    }
    return out;
  }

  /** Each shown line is a whole line of the output, in the order shown; {@code ...} matches any text. */
  static void assertShows(Step step, String output, String context) {
    List<String> lines = output.lines().map(String::strip).toList();
    int at = 0;
    for (String expected : step.expected()) {
      if (expected.strip().equals("...")) {
        continue;
      }
      Pattern p = Pattern.compile(String.join(".*", List.of(expected.strip().split("\\.\\.\\.", -1)).stream()
          .map(Pattern::quote).toList()));
      while (at < lines.size() && !p.matcher(lines.get(at)).matches()) {
        at++;
      }
      assertTrue(at < lines.size(), "block " + step.number() + " should print '" + expected + "' (after the lines"
          + " before it); it printed:\n" + output + context);
      at++;
    }
  }

  static String runtimeLog() {
    try {
      List<String> lines = Files.readAllLines(home.resolve("hello-cocaine/runtime.log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(none: " + e.getMessage() + ")";
    }
  }
}
