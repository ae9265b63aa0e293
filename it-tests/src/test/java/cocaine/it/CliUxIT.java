package cocaine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.cli.Cocaine;
import cocaine.client.Locator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue 21: the CLI for people. Help on every command and group; tables on a terminal (a
 * pseudo-terminal from util-linux's {@code script}), no colours in a pipe or with NO_COLOR, the data
 * with {@code --json}; {@code cocaine status} (once, {@code --watch}, {@code --json}) and
 * {@code cluster} against a real runtime ({@code --role all}) running the echo app; {@code app check}'s
 * exit codes; and an error that says what to do next.
 */
class CliUxIT {
  static final Path APPS = RuntimeProcess.HOME.resolve("examples/target/apps");
  static final Duration LIMIT = Duration.ofSeconds(90);
  static final String BOLD = "\033[1m";
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path dir;
  static RuntimeProcess runtime;
  static String uuid;

  @BeforeAll
  static void start() throws Exception {
    runtime = RuntimeProcess.start(dir.resolve("node"), "all", "");
    ok("uploaded", cocaine("app", "upload", APPS.resolve("echo").toString(), "-n", "echo"));
    ok("uploaded", cocaine("profile", "upload", "-n", "echo", "-r", APPS.resolve("echo/profile.json").toString()));
    ok("started", cocaine("app", "start", "-n", "echo", "-r", "echo"));
    ok("created", cocaine("group", "create", "-n", "ux-group", "-c", "{\"echo\": 1}"));
    ok("", cocaine("group", "refresh", "-n", "ux-group"));
    try (Locator locator = Locator.connect(runtime.host(), runtime.locatorPort())) {
      uuid = locator.uuid();
    }
  }

  @AfterAll
  static void stop() {
    if (runtime != null) {
      runtime.close();
    }
  }

  @Test
  void everyCommandAndGroupOfTheTreeAnswersHelp() throws Exception {
    List<List<String>> paths = new ArrayList<>();
    walk(new CommandLine(new Cocaine()), new ArrayList<>(), paths);
    assertTrue(paths.size() > 60 && paths.contains(List.of("status")), "the tree has its commands: " + paths);
    PrintStream stdout = System.out;
    for (List<String> path : paths) {
      ByteArrayOutputStream captured = new ByteArrayOutputStream();
      List<String> args = new ArrayList<>(path);
      args.add("--help");
      int exit;
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      try {
        exit = Cocaine.run(args.toArray(String[]::new));
      } finally {
        System.setOut(stdout);
      }
      String usage = captured.toString(StandardCharsets.UTF_8);
      assertEquals(0, exit, args + ": " + usage);
      assertTrue(usage.contains("Usage: cocaine " + String.join(" ", path)), args + ": " + usage);
    }
    // and through the launcher: each group's help verb, and --help of a leaf
    for (List<String> path : paths) {
      if (path.size() == 1 && paths.stream().anyMatch(p -> p.size() == 2 && p.get(0).equals(path.get(0)))) {
        ok("Usage: cocaine " + path.get(0), bare(Map.of(), path.get(0), "help"));
      }
    }
    ok("Usage: cocaine status", bare(Map.of(), "help", "status"));
    ok("--watch", bare(Map.of(), "status", "--help"));
  }

  @Test
  void listCommandsPrintTablesOnATerminalPlainTextInAPipeAndJsonOnRequest() throws Exception {
    for (List<String> list : List.of(List.of("app", "list"), List.of("profile", "list"), List.of("info"),
        List.of("cluster"), List.of("routing"), List.of("group", "list"))) {
      String onTty = tty(Map.of(), list);
      String header = list.equals(List.of("app", "list")) || list.equals(List.of("info")) ? "APP"
          : list.get(0).equals("cluster") ? "UUID" : list.get(0).equals("routing") ? "GROUP" : "NAME";
      assertTrue(onTty.contains(BOLD + header), list + " on a terminal: a bold header:\n" + onTty);
      String noColour = tty(Map.of("NO_COLOR", "1"), list);
      assertTrue(noColour.contains(header) && !noColour.contains("\033["), list + " with NO_COLOR:\n" + noColour);
      String piped = ok(header, cocaine(list.toArray(String[]::new))).output();
      assertFalse(piped.contains("\033["), list + " piped has no colour codes:\n" + piped);
      List<String> json = new ArrayList<>(list);
      json.add("--json");
      JsonNode parsed = JSON.readTree(ok("", cocaine(json.toArray(String[]::new))).output());
      assertTrue(parsed.size() > 0, list + " --json: " + parsed);
    }
    String info = ok("running", cocaine("info")).output();
    assertTrue(info.lines().anyMatch(l -> l.matches("echo\\s+running\\s+\\S+.*\\s+echo\\s+\\d+/\\d+\\s+\\d+/100.*")), info);
  }

  @Test
  void statusShowsTheNodeItsRunningAppTheGroupAndParsesAsJson() throws Exception {
    ok("hi", cocaine("call", "echo", "ping", "hi"));
    String screen = ok("NODES", cocaine("status", "--interval", "200ms")).output();
    assertTrue(screen.contains(uuid) && screen.contains("up"), screen);
    assertTrue(screen.lines().anyMatch(l -> l.startsWith("echo") && l.contains("running") && l.contains("/s")), screen);
    assertTrue(screen.contains("ux-group") && screen.contains("100.0%"), screen);

    JsonNode status = JSON.readTree(ok("", cocaine("status", "--json", "--interval", "200ms")).output());
    assertEquals(uuid, status.get("nodes").get(0).get("uuid").asText(), status.toString());
    JsonNode echo = null;
    for (JsonNode app : status.get("apps")) {
      if (app.get("app").asText().equals("echo")) {
        echo = app.get("nodes").get(uuid);
      }
    }
    assertTrue(echo != null && echo.get("state").asText().equals("running"), status.toString());
    assertTrue(echo.get("accepted").asLong() >= 1 && echo.has("requests_per_second"), echo.toString());
    assertEquals("100.0%", status.get("groups").get("ux-group").get("echo").asText(), status.toString());
  }

  @Test
  void statusWatchRedrawsInPlaceOnATerminalAndPrintsScreenAfterScreenInAPipe() throws Exception {
    String onTty = tty(Map.of(), List.of("status", "--watch", "--count", "2", "--interval", "200ms"));
    assertEquals(2, onTty.split("\033\\[H\033\\[2J", -1).length - 1, "two screens, each drawn over the last:\n" + onTty);
    String piped = ok("NODES", cocaine("status", "--watch", "--count", "2", "--interval", "200ms")).output();
    assertFalse(piped.contains("\033["), piped);
    assertEquals(2, piped.split("NODES", -1).length - 1, piped);
  }

  @Test
  void clusterOnOneNodeListsTheNodeItself() throws Exception {
    JsonNode cluster = JSON.readTree(ok("", cocaine("cluster", "--json")).output());
    assertEquals(runtime.host() + ":" + runtime.locatorPort(), cluster.get(uuid).asText(), cluster.toString());
    ok(uuid, cocaine("cluster", "--resolve"));
  }

  @Test
  void appCheckExitsZeroForARunningAppAndFailsOtherwiseAsTheOriginal() throws Exception {
    assertEquals("running", ok("running", cocaine("app", "check", "-n", "echo")).output().strip());
    Command.Result missing = cocaine("app", "check", "-n", "no-such-app");
    assertEquals(1, missing.exit(), missing.output());
    assertTrue(missing.output().contains("not uploaded"), missing.output());
    Command.Result tool = withTarget("cocaine-tool", Map.of(), "app", "check", "-n", "no-such-app");
    assertEquals(128, tool.exit(), tool.output());
  }

  @Test
  void noRuntimeSaysHowToStartOne() throws Exception {
    String closed = String.valueOf(RuntimeProcess.freePort());
    Command.Result r = bare(Map.of(), "status", "--host", "127.0.0.1", "--port", closed);
    assertEquals(1, r.exit(), r.output());
    assertTrue(r.output().contains("no runtime at 127.0.0.1:" + closed) && r.output().contains("scripts/quickstart.sh"),
        r.output());
  }

  // --- helpers -------------------------------------------------------------------------------------

  private static void walk(CommandLine cli, List<String> path, List<List<String>> out) {
    for (Map.Entry<String, CommandLine> sub : cli.getSubcommands().entrySet()) {
      boolean alias = !sub.getKey().equals(sub.getValue().getCommandName());
      if (alias || sub.getValue().getCommand() instanceof CommandLine.HelpCommand) {
        continue;
      }
      List<String> next = new ArrayList<>(path);
      next.add(sub.getKey());
      out.add(next);
      walk(sub.getValue(), next, out);
    }
  }

  /** bin/cocaine ARGS in a pseudo-terminal ({@code script -qec}), so its stdout is a TTY. */
  private static String tty(Map<String, String> env, List<String> args) throws Exception {
    StringBuilder line = new StringBuilder(RuntimeProcess.HOME.resolve("bin/cocaine").toString());
    for (String a : args) {
      line.append(' ').append(a);
    }
    line.append(" --host ").append(runtime.host()).append(" --port ").append(runtime.locatorPort());
    ProcessBuilder builder = new ProcessBuilder("script", "-qec", line.toString(), "/dev/null").redirectErrorStream(true);
    builder.environment().remove("NO_COLOR");
    builder.environment().put("TERM", "xterm");
    builder.environment().putAll(env);
    Command.Result r = Command.run(builder, LIMIT);
    assertEquals(0, r.exit(), args + " on a terminal: " + r.output());
    return r.output();
  }

  static Command.Result cocaine(String... args) throws Exception {
    return withTarget("cocaine", Map.of(), args);
  }

  private static Command.Result withTarget(String launcher, Map<String, String> env, String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--host", runtime.host(), "--port", String.valueOf(runtime.locatorPort())));
    return run(launcher, env, all);
  }

  private static Command.Result bare(Map<String, String> env, String... args) throws Exception {
    return run("cocaine", env, List.of(args));
  }

  private static Command.Result run(String launcher, Map<String, String> env, List<String> args) throws Exception {
    List<String> command = new ArrayList<>(List.of(RuntimeProcess.HOME.resolve("bin").resolve(launcher).toString()));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    Map<String, String> clean = new HashMap<>(env);
    builder.environment().keySet().removeIf(k -> k.startsWith("COCAINE_") || k.equals("NO_COLOR"));
    builder.environment().put("HOME", dir.toString());
    builder.environment().putAll(clean);
    return Command.run(builder, LIMIT);
  }

  private static Command.Result ok(String expected, Command.Result r) {
    assertEquals(0, r.exit(), r.output());
    assertTrue(r.output().contains(expected), "expected '" + expected + "' in:\n" + r.output());
    return r;
  }
}
