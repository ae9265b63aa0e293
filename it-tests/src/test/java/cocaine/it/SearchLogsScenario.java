package cocaine.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.client.LoggingClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 7 against a real search engine run by {@code scripts/<engine>.sh} as its own process: the
 * logging service's records and a crashing worker's output are searchable within seconds, {@code
 * cocaine logs} prints them (and follows new ones until Ctrl-C), and an engine stopped and started
 * again mid-run loses nothing inside the sink's bound. Skipped only when the runner cannot be fetched.
 * {@link OpenSearchLogsIT} and {@link ElasticsearchLogsIT} run it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class SearchLogsScenario {
  static final Path APPS = RuntimeProcess.HOME.resolve("examples/target/apps");
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  static final int QUEUE_LIMIT = 2000;

  private final Path script;
  private final String engine;
  /** Under target/: the engine's data and logs and the runtime's output stay for a look after a failure. */
  Path dir;
  int port;
  String url;
  RuntimeProcess runtime;
  /** Why the tests are skipped: the runner's jars cannot be fetched. */
  String unavailable;

  /** @param engine "opensearch" or "elasticsearch": runs {@code scripts/<engine>.sh} */
  SearchLogsScenario(String engine) {
    this.engine = engine;
    this.script = RuntimeProcess.HOME.resolve("scripts/" + engine + ".sh");
  }

  @BeforeAll
  void start() throws Exception {
    Script fetch = script("fetch");
    if (fetch.exit() == 3) {
      // each test reports the skip with this message (an aborted @BeforeAll is not reported at all)
      unavailable = "the " + engine + " test runner cannot be fetched from Maven Central (offline?): " + fetch.output();
      System.err.println("skipping " + getClass().getSimpleName() + ": " + unavailable);
      return;
    }
    assertEquals(0, fetch.exit(), fetch.output());
    dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "search-logs")), engine + "-").toAbsolutePath();
    port = runnerPort();
    url = "http://127.0.0.1:" + port;
    startEngine();
    runtime = RuntimeProcess.start(dir.resolve("runtime"), "node", String.join("\n",
        "cocaine.logging.search {",
        "  url = \"" + url + "\"",
        "  flush-interval = 200ms",
        "  batch-size = 200",
        "  queue-limit = " + QUEUE_LIMIT,
        "  backoff-min = 200ms",
        "  backoff-max = 1s",
        "  report-interval = 1s",
        "}"));
  }

  @BeforeEach
  void skipWithoutTheRunner() {
    Assumptions.assumeTrue(unavailable == null, unavailable);
  }

  @AfterAll
  void stop() throws Exception {
    if (runtime != null) {
      runtime.close();
    }
    if (url != null) {
      script("stop", dir.resolve(engine).toString());
    }
  }

  @Test
  @Order(1)
  void emittedLinesAreSearchableWithinSecondsWithEveryField() throws Exception {
    try (LoggingClient logging = LoggingClient.connect("127.0.0.1", runtime.locatorPort())) {
      for (int i = 0; i < 50; i++) {
        logging.emit(LoggingClient.INFO, "app/itlogs", "line " + i, Map.of("n", i));
      }
      logging.emit(LoggingClient.WARNING, "app/itlogs", "disk almost full");
      logging.emit(LoggingClient.ERROR, "app/itlogs", "cannot write: disk full");
      // the first batch also creates the day's index, which takes long on a busy machine
      await("52 lines of app/itlogs in the engine").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .ignoreExceptions().until(() -> hits("app/itlogs").size() == 52);

      long start = System.nanoTime();
      logging.emit(LoggingClient.INFO, "app/itprobe", "probe");
      await("a line in an existing index").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
          .ignoreExceptions().until(() -> hits("app/itprobe").size() == 1);
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, "searchable after " + took);
      System.err.println(getClass().getSimpleName() + ": a line was searchable " + took.toMillis() + " ms after emit");
    }
    JsonNode line = hits("app/itlogs").stream().filter(d -> d.get("message").asText().equals("line 7")).findFirst().orElseThrow();
    assertEquals("info", line.get("level").asText());
    assertEquals("app/itlogs", line.get("source").asText());
    assertFalse(line.get("node").asText().isEmpty());
    assertTrue(line.get("@timestamp").asText().matches("\\d{4}-\\d\\d-\\d\\dT.*Z"), line.toString());
    assertEquals(7, line.get("attributes").get("n").asInt());
    assertTrue(line.get("log_id").asText().matches("[0-9a-f]{8}-[0-9a-f]{12}"), line.toString());
  }

  @Test
  @Order(2)
  void cliPrintsAnAppsLinesInOrderFilteredByLevelAndText() throws Exception {
    List<String> all = logs("--app", "itlogs", "--since", "5m");
    assertEquals(52, all.size(), String.join("\n", all));
    for (int i = 0; i < 50; i++) {
      assertTrue(all.get(i).contains(" INFO    [app/itlogs] ") && all.get(i).endsWith(": line " + i + " n=" + i), all.get(i));
    }

    List<String> errors = logs("--app", "itlogs", "--level", "warning");
    assertEquals(2, errors.size(), String.join("\n", errors));
    assertTrue(errors.get(0).contains(" WARNING ") && errors.get(0).contains("disk almost full"), errors.get(0));
    assertTrue(errors.get(1).contains(" ERROR ") && errors.get(1).contains("cannot write: disk full"), errors.get(1));

    List<String> grep = logs("--app", "itlogs", "--grep", "LINE 4");
    assertEquals(11, grep.size(), String.join("\n", grep)); // line 4, line 40 .. line 49
    assertTrue(logs("--app", "no-such-app").isEmpty());
  }

  @Test
  @Order(3)
  void crashingWorkersOutputIsSearchable() throws Exception {
    assertCli("app", "upload", APPS.resolve("crash").toString(), "--name", "crash");
    assertCli("profile", "upload", "-n", "crash", "-r", APPS.resolve("crash").resolve("profile.json").toString());
    assertCli("app", "start", "-n", "crash", "-r", "crash");
    RuntimeProcess.CliResult crashed = runtime.cli("call", "crash", "crash");
    assertNotEquals(0, crashed.exit(), crashed.output());

    await("the crashed worker's last words in the engine").atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200)).ignoreExceptions()
        .until(() -> hits("app/crash").stream().anyMatch(d -> d.get("message").asText()
            .equals("crash: this worker will now exit with status 3")));
    JsonNode line = hits("app/crash").stream().filter(d -> d.get("message").asText().startsWith("crash: "))
        .findFirst().orElseThrow();
    assertFalse(line.get("attributes").get("worker").asText().isEmpty(), line.toString());
  }

  /**
   * An app's own lines (the Java framework's {@code AppLog}, sent through the node's logging service):
   * the http-echo worker's start line is searchable as source {@code app/http-echo} with its
   * attributes, and {@code cocaine logs --app http-echo} prints it naming the node.
   */
  @Test
  @Order(3)
  void anAppsOwnLinesThroughTheLoggingServiceAreSearchable() throws Exception {
    assertCli("app", "upload", APPS.resolve("http-echo").toString(), "--name", "http-echo");
    assertCli("profile", "upload", "-n", "http-echo", "-r", APPS.resolve("http-echo").resolve("profile.json").toString());
    assertCli("app", "start", "-n", "http-echo", "-r", "http-echo");
    runtime.cli("call", "http-echo", "version"); // a worker starts for it (its answer does not matter here)

    await("the worker's start line in the engine").atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200)).ignoreExceptions()
        .until(() -> hits("app/http-echo").stream().anyMatch(d -> d.get("message").asText()
            .startsWith("worker started: version unversioned on ")));
    JsonNode line = hits("app/http-echo").stream().filter(d -> d.get("message").asText().startsWith("worker started"))
        .findFirst().orElseThrow();
    assertEquals("info", line.get("level").asText(), line.toString());
    assertEquals("unversioned", line.get("attributes").get("version").asText(), line.toString());
    assertFalse(line.get("attributes").get("uuid").asText().isEmpty(), line.toString());
    List<String> printed = logs("--app", "http-echo", "--grep", "worker started");
    assertFalse(printed.isEmpty(), "cocaine logs --app http-echo printed nothing");
    assertTrue(printed.get(0).contains(" INFO    [app/http-echo] " + line.get("node").asText() + ": worker started: "),
        printed.get(0));
  }

  @Test
  @Order(3)
  void runtimesOwnLogLinesAreSearchableAsSourceRuntime() throws Exception {
    await("the runtime's own 'role node ready' line in the engine").atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200)).ignoreExceptions()
        .until(() -> hits("runtime").stream().anyMatch(d -> d.get("message").asText().startsWith("role node ready")));
    JsonNode line = hits("runtime").stream().filter(d -> d.get("message").asText().startsWith("role node ready"))
        .findFirst().orElseThrow();
    assertEquals("info", line.get("level").asText(), line.toString());
    assertTrue(line.get("attributes").get("logger").asText().startsWith("cocaine.runtime"), line.toString());
  }

  @Test
  @Order(4)
  void followPrintsNewLinesAsTheyComeAndStopsCleanlyOnCtrlC() throws Exception {
    Process follow = new ProcessBuilder(RuntimeProcess.HOME.resolve("bin/cocaine").toString(), "logs", "-f",
        "--app", "itfollow", "--settle", "1s", "--poll", "200ms", "--url", url)
        .redirectErrorStream(true).start();
    PrintedLines reader = PrintedLines.of(follow);
    List<String> printed = reader.lines();
    try (LoggingClient logging = LoggingClient.connect("127.0.0.1", runtime.locatorPort())) {
      for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 5; i++) {
          logging.emit(LoggingClient.INFO, "app/itfollow", "follow " + (round * 5 + i));
        }
        int want = (round + 1) * 5;
        await("cocaine logs -f prints " + want + " lines").atMost(Duration.ofSeconds(15))
            .until(() -> printed.size() >= want);
      }
    }
    String signal = ctrlC(follow);
    assertTrue(follow.waitFor(10, TimeUnit.SECONDS), "cocaine logs -f still running after SIG" + signal);
    assertEquals(128 + (signal.equals("INT") ? 2 : 15), follow.exitValue(), String.join("\n", printed));
    reader.join(5000);
    assertEquals(10, printed.size(), String.join("\n", printed));
    for (int i = 0; i < 10; i++) {
      assertTrue(printed.get(i).endsWith(": follow " + i), printed.get(i));
    }
  }

  @Test
  @Order(5)
  void engineStoppedAndStartedAgainMidRunLosesNothingInsideTheBound() throws Exception {
    Script stopped = script("stop", dir.resolve(engine).toString());
    assertEquals(0, stopped.exit(), stopped.output());
    assertTrue(unreachable(), engine + " still answers after stop");
    int lines = QUEUE_LIMIT / 4;
    try (LoggingClient logging = LoggingClient.connect("127.0.0.1", runtime.locatorPort())) {
      for (int i = 0; i < lines; i++) {
        logging.emit(LoggingClient.INFO, "app/itoutage", "outage " + i);
      }
    }
    await("the runtime reports the engine down").atMost(Duration.ofSeconds(10))
        .until(() -> runtime.output().contains("search engine " + url + " unusable"));
    startEngine();

    await(lines + " lines shipped after the restart").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
        .ignoreExceptions().until(() -> hits("app/itoutage").size() >= lines);
    List<JsonNode> docs = hits("app/itoutage");
    assertEquals(lines, docs.size());
    assertEquals(lines, new HashSet<>(docs.stream().map(d -> d.get("message").asText()).toList()).size());
    assertEquals(lines, logs("--app", "itoutage").size());
    assertFalse(runtime.output().contains("search sink dropped"), runtime.output());
  }

  // ---- helpers

  record Script(int exit, String output) {}

  Script script(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(script.toString()));
    command.addAll(List.of(args));
    Command.Result r = Command.run(command, Duration.ofSeconds(180));
    return new Script(r.exit(), r.output());
  }

  /** A free port in the runner's range (9201..9299), from a random start so parallel runs rarely collide. */
  static int runnerPort() {
    int first = 9201 + java.util.concurrent.ThreadLocalRandom.current().nextInt(99);
    for (int i = 0; i < 99; i++) {
      int candidate = 9201 + (first - 9201 + i) % 99;
      try (java.net.ServerSocket s = new java.net.ServerSocket(candidate)) {
        return candidate;
      } catch (IOException taken) {
        // next one
      }
    }
    throw new AssertionError("no free port in 9201..9299 for the search engine");
  }

  void startEngine() throws IOException, InterruptedException {
    Script started = script("start", dir.resolve(engine).toString(), String.valueOf(port));
    if (started.exit() != 0) {
      Path log = dir.resolve(engine).resolve(engine + ".log");
      throw new AssertionError(engine + " did not start: " + started.output() + "\n"
          + (Files.exists(log) ? Files.readString(log) : "(no log)"));
    }
  }

  /**
   * Ctrl-C: SIGINT, unless the process inherited SIGINT ignored (a background job of a
   * non-interactive shell, where the JVM keeps it ignored); then SIGTERM, which runs the same
   * shutdown path. Returns the signal's name.
   */
  static String ctrlC(Process p) throws IOException, InterruptedException {
    String status = Files.readString(Path.of("/proc/" + p.pid() + "/status"));
    long ignored = Long.parseLong(status.replaceAll("(?s).*SigIgn:\\s*([0-9a-f]+).*", "$1"), 16);
    String signal = (ignored & 2) == 0 ? "INT" : "TERM";
    new ProcessBuilder("kill", "-" + signal, String.valueOf(p.pid())).start().waitFor();
    return signal;
  }

  boolean unreachable() throws InterruptedException {
    try {
      HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.discarding());
      return false;
    } catch (IOException e) {
      return e instanceof ConnectException || e.getCause() instanceof ConnectException;
    }
  }

  /**
   * Every document of a source, straight from the engine (not through our own reader). Throws while
   * a new index's shard is not started yet (the engine answers 503): callers wait with ignoreExceptions.
   */
  List<JsonNode> hits(String source) throws IOException, InterruptedException {
    String query = JSON.writeValueAsString(Map.of("size", 10000, "query", Map.of("term", Map.of("source", source))));
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/cocaine-*/_search?allow_no_indices=true"))
        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.ofString(query)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    List<JsonNode> docs = new ArrayList<>();
    JSON.readTree(r.body()).path("hits").path("hits").forEach(h -> docs.add(h.get("_source")));
    return docs;
  }

  /** {@code bin/cocaine logs ARGS --url U}: the lines it printed; it must exit 0. */
  List<String> logs(String... args) throws IOException, InterruptedException {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--url", url));
    return Command.logs(all);
  }

  void assertCli(String... args) throws Exception {
    RuntimeProcess.CliResult r = runtime.cli(args);
    assertEquals(0, r.exit(), "cocaine " + List.of(args) + ": " + r.output());
  }
}
