package cocaine.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.client.LoggingClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 21: the quick-start runtime (no search engine) keeps its lines in the on-disk log ring, and
 * the real {@code cocaine logs -f --app crash} prints every line of the app (its worker's output and
 * emits of its source) exactly once, in order, while the runtime is stopped and started again under
 * it; afterwards the ring, which survived the restart, answers {@code cocaine logs} with the same
 * lines and its filters.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LogsEmbeddedIT {
  static final Path APPS = RuntimeProcess.HOME.resolve("examples/target/apps");
  static final ObjectMapper JSON = new ObjectMapper();
  static final String LAST_WORDS = "crash: this worker will now exit with status 3";

  Path dir;
  RuntimeProcess runtime;

  @BeforeAll
  void start() throws Exception {
    dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "logs-embedded")), "ring-").toAbsolutePath();
    runtime = RuntimeProcess.start(dir.resolve("runtime"), "all", "");
    assertCli("app", "upload", APPS.resolve("crash").toString(), "--name", "crash");
    assertCli("profile", "upload", "-n", "crash", "-r", APPS.resolve("crash").resolve("profile.json").toString());
    assertCli("app", "start", "-n", "crash", "-r", "crash");
  }

  @AfterAll
  void stop() {
    if (runtime != null) {
      runtime.close();
    }
  }

  @Test
  void followSeesEveryLineOfAnAppExactlyOnceAcrossARuntimeRestart() throws Exception {
    Process follow = new ProcessBuilder(RuntimeProcess.HOME.resolve("bin/cocaine").toString(), "logs", "-f",
        "--app", "crash", "--json", "--poll", "200ms", "--host", "127.0.0.1", "--port", String.valueOf(runtime.locatorPort()))
        .redirectError(dir.resolve("follow.err").toFile()).start();
    PrintedLines reader = PrintedLines.of(follow);
    List<String> printed = reader.lines();
    try {
      Map<String, Integer> expected = new HashMap<>();
      emit("before", 30, expected);
      crash(2, expected);
      await("the follower prints the lines before the restart").atMost(Duration.ofSeconds(60))
          .until(() -> messages(printed).entrySet().containsAll(expected.entrySet()));

      runtime.close();
      runtime = runtime.restart();
      RuntimeProcess.CliResult started = runtime.cli("app", "start", "-n", "crash", "-r", "crash");
      assertTrue(started.exit() == 0 || started.output().contains("already"), started.output());
      emit("after", 30, expected);
      crash(1, expected);
      await("the follower prints the lines after the restart").atMost(Duration.ofSeconds(90))
          .until(() -> messages(printed).entrySet().containsAll(expected.entrySet()));

      assertEachOnceInOrder(printed, expected);
    } finally {
      follow.destroy();
      follow.waitFor(10, TimeUnit.SECONDS);
      reader.join(5000);
    }
    String err = Files.readString(dir.resolve("follow.err"));
    assertTrue(err.contains("answers again"), "the follower reports the outage and the return: " + err);

    // the ring survived the restart: a plain read has every line, once, with the same positions
    List<String> all = logs("--app", "crash", "--json");
    assertEquals(printed, all);
  }

  @Test
  void readsFilterByLevelAndTextAndPrintTheSearchEnginesFormat() throws Exception {
    try (LoggingClient logging = LoggingClient.connect("127.0.0.1", runtime.locatorPort())) {
      logging.emit(LoggingClient.INFO, "app/ringfilter", "nothing to see");
      logging.emit(LoggingClient.WARNING, "app/ringfilter", "Disk almost full", Map.of("disk", "sda"));
      logging.emit(LoggingClient.ERROR, "app/ringfilter", "disk full");
      logging.emit(LoggingClient.ERROR, "app/other", "disk full elsewhere");
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> logs("--app", "ringfilter").size() == 3);
    List<String> warnings = logs("--app", "ringfilter", "--level", "warning");
    assertEquals(2, warnings.size(), String.join("\n", warnings));
    assertTrue(warnings.get(0).contains(" WARNING [app/ringfilter] ") && warnings.get(0).endsWith(": Disk almost full disk=sda"),
        warnings.get(0));
    List<String> grep = logs("--app", "ringfilter", "--grep", "DISK FULL");
    assertEquals(1, grep.size(), String.join("\n", grep));
    assertTrue(grep.get(0).contains(" ERROR ") && grep.get(0).endsWith(": disk full"), grep.get(0));
    assertEquals(List.of(), logs("--app", "ringfilter", "--since", "0s", "--grep", "disk"));
  }

  @Test
  void theRuntimesOwnLogIsInTheRing() throws Exception {
    await().atMost(Duration.ofSeconds(20)).until(() -> logs("--since", "1h", "--grep", "role node ready").stream()
        .anyMatch(l -> l.contains("[runtime]")));
  }

  @Test
  void withNeitherTheRingNorASearchEngineReachableTheErrorNamesBoth() throws Exception {
    int nobody = RuntimeProcess.freePort();
    Command.Result r = Command.run(new ProcessBuilder(RuntimeProcess.HOME.resolve("bin/cocaine").toString(), "logs",
        "--host", "127.0.0.1", "--port", String.valueOf(nobody), "--timeout", "3s"), Duration.ofSeconds(60));
    assertNotEquals(0, r.exit(), r.output() + r.errors());
    String said = r.output() + r.errors();
    assertTrue(said.contains("no log store answers") && said.contains("127.0.0.1:" + nobody)
        && said.contains("search engine"), said);
  }

  // ---- helpers

  void emit(String prefix, int n, Map<String, Integer> expected) throws IOException {
    try (LoggingClient logging = LoggingClient.connect("127.0.0.1", runtime.locatorPort())) {
      for (int i = 0; i < n; i++) {
        logging.emit(LoggingClient.INFO, "app/crash", prefix + " " + i);
        expected.merge(prefix + " " + i, 1, Integer::sum);
      }
    }
  }

  void crash(int times, Map<String, Integer> expected) throws Exception {
    for (int i = 0; i < times; i++) {
      RuntimeProcess.CliResult crashed = runtime.cli("call", "crash", "crash");
      assertNotEquals(0, crashed.exit(), crashed.output());
      expected.merge(LAST_WORDS, 1, Integer::sum);
      expected.merge("crash: the runtime should keep these lines in a crashlog", 1, Integer::sum);
    }
  }

  static Map<String, Integer> messages(List<String> printed) throws IOException {
    Map<String, Integer> seen = new HashMap<>();
    for (String line : printed) {
      seen.merge(JSON.readTree(line).get("message").asText(), 1, Integer::sum);
    }
    return seen;
  }

  static void assertEachOnceInOrder(List<String> printed, Map<String, Integer> expected) throws IOException {
    long last = -1;
    for (String line : printed) {
      JsonNode doc = JSON.readTree(line);
      long position = doc.get("position").asLong();
      assertTrue(position > last, "position " + position + " after " + last + ": a line repeated or out of order\n"
          + String.join("\n", printed));
      last = position;
      assertEquals("app/crash", doc.get("source").asText(), line);
    }
    Map<String, Integer> seen = messages(printed);
    expected.forEach((message, times) -> assertEquals(times, seen.get(message), message + "\n" + String.join("\n", printed)));
    for (int i = 0; i < 30; i++) {
      List<String> order = new ArrayList<>();
      for (String line : printed) {
        String m = JSON.readTree(line).get("message").asText();
        if (m.startsWith("before ") || m.startsWith("after ")) {
          order.add(m);
        }
      }
      assertEquals("before " + i, order.get(i));
      assertEquals("after " + i, order.get(30 + i));
    }
  }

  /** {@code bin/cocaine logs ARGS} against the runtime: the lines it printed; it must exit 0. */
  List<String> logs(String... args) throws IOException, InterruptedException {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--host", "127.0.0.1", "--port", String.valueOf(runtime.locatorPort())));
    return Command.logs(all);
  }

  void assertCli(String... args) throws Exception {
    RuntimeProcess.CliResult r = runtime.cli(args);
    assertEquals(0, r.exit(), "cocaine " + List.of(args) + ": " + r.output());
  }
}
