package cocaine.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import cocaine.client.StorageClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8's chaos test on one machine: a node runtime (ZooKeeper storage), a separate proxy and a
 * load client in its own JVM ({@link ChaosLoad}: app enqueues, storage reads, HTTP through the
 * proxy). While the load runs, in turn: SIGKILL a worker of each app, SIGKILL the node runtime and
 * start it again, the same for the proxy, and for ZooKeeper. Each fault passes when every request
 * got exactly one answer or one explicit error (none hung past its deadline, none answered twice),
 * every lane serves again within the fault's bound, and the stored manifest, profile and keys are
 * intact. Cluster faults (a node of several, the balancer, a node's network) belong to the cluster
 * tests and are not here.
 */
@Tag("zookeeper")
class ChaosIT {
  static final Path APPS = RuntimeProcess.HOME.resolve("examples/target/apps");
  static final Path ZOOKEEPER = RuntimeProcess.HOME.resolve("scripts/zookeeper.sh");
  /** Requests per second on each lane. */
  static final int RATE = 20;
  /**
   * A request with no reply past this is hung. The servers' own deadlines are lower: the proxy's
   * timeout and the app requests' {@code request_timeout} are 5 s, storage fails while ZooKeeper
   * is away; the margin is for this 2-core machine's CPU, shared with other builds.
   */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
  /** Consecutive answers on every lane that count as "serves again". */
  static final int HEALTHY_RUN = 10;

  @TempDir
  static Path dir;
  static Path zkDir;
  static int zkPort;
  static RuntimeProcess node;
  static RuntimeProcess proxy;
  static Process load;
  static Path loadDir;
  static byte[] manifest;
  static byte[] profile;

  /** One injected fault: when, how long until every lane served again, and the bound for that. */
  record Fault(String name, long startMs, long recoveryMs, Duration bound) {}

  static final List<Fault> faults = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(Files.exists(Path.of("/usr/share/java/zookeeper.jar")),
        "ZooKeeper is not installed (scripts/setup-test-deps.sh); chaos test skipped");
    zkDir = dir.resolve("zookeeper");
    zkPort = RuntimeProcess.freePort();
    zookeeper("start", zkDir.toString(), Integer.toString(zkPort));
    node = RuntimeProcess.start(dir.resolve("node"), "node", String.join("\n",
        "cocaine.storage { backend = zookeeper, zookeeper { connect = \"127.0.0.1:" + zkPort + "\", root = \"/chaos\" } }",
        "cocaine.locator.cluster.type = none"));
    for (String app : List.of("echo", "http-echo")) {
      cli("uploaded", "app", "upload", APPS.resolve(app).toString(), "--name", app);
      cli("uploaded", "profile", "upload", "-n", app, "-r", APPS.resolve(app).resolve("profile.json").toString());
      // in the runlist, so that a restarted node runs the apps again by itself
      cli("", "runlist", "add-app", "-n", "default", "--app", app, "-r", app, "-f");
      cli("started", "app", "start", "-n", app, "-r", app);
    }
    try (StorageClient storage = StorageClient.connect("127.0.0.1", node.locatorPort())) {
      for (int i = 0; i < ChaosLoad.KEYS; i++) {
        String key = ChaosLoad.key(i);
        storage.write(ChaosLoad.COLLECTION, key, ChaosLoad.value(key).getBytes(StandardCharsets.UTF_8), List.of("chaos"));
      }
    }
    try (StorageClient storage = StorageClient.connect("127.0.0.1", node.locatorPort())) {
      manifest = storage.read("manifests", "echo");
      profile = storage.read("profiles", "echo");
    }
    // The proxy answers within 5 s whatever happens behind it, below the load's deadline.
    proxy = RuntimeProcess.startProxy(dir.resolve("proxy"), node.locatorPort(),
        "cocaine.proxy { timeout = 5s, connect-timeout = 1s }");
    // the first workers are spawned before the load starts: a cold start is not a fault
    await("the proxy serves http-echo").atMost(Duration.ofSeconds(60)).ignoreExceptions()
        .until(() -> httpEcho("hello").equals("hello"));
    cli("hello", "call", "echo", "ping", "hello");
    loadDir = Files.createDirectories(dir.resolve("load"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    load = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"), ChaosLoad.class.getName(),
        loadDir.toString(), Integer.toString(node.locatorPort()),
        "http://127.0.0.1:" + proxy.proxyPort() + "/http-echo/echo", Integer.toString(RATE),
        Long.toString(REQUEST_TIMEOUT.toMillis()))
        .redirectErrorStream(true).redirectOutput(loadDir.resolve("load.out").toFile()).start();
    awaitServing("load warm-up", System.currentTimeMillis(), Duration.ofSeconds(60));
  }

  @AfterAll
  static void stop() throws Exception {
    if (load != null && load.isAlive()) {
      load.destroyForcibly();
    }
    if (proxy != null) {
      proxy.close();
    }
    if (node != null) {
      node.close();
    }
    if (loadDir != null) {
      // kept for a look after the run: every request's outcome and the processes' output
      Path keep = Files.createDirectories(RuntimeProcess.HOME.resolve("it-tests/target/chaos"));
      for (Path p : List.of(loadDir.resolve("outcomes.log"), loadDir.resolve("load.out"),
          dir.resolve("node/runtime.out"), dir.resolve("proxy/runtime.out"))) {
        if (Files.exists(p)) {
          Files.copy(p, keep.resolve(p.getParent().getFileName() + "-" + p.getFileName()),
              java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
    workers().forEach(ProcessHandle::destroyForcibly); // what a killed runtime may have left behind
    if (zkDir != null) {
      zookeeper("stop", zkDir.toString());
    }
  }

  @Test
  void everyRequestGetsOneAnswerOrOneErrorThroughEachFault() throws Exception {
    inject("kill -9 a worker of each app", Duration.ofSeconds(10), () -> {
      List<ProcessHandle> victims = new ArrayList<>();
      for (String app : List.of("echo", "http-echo")) {
        victims.add(workers().stream().filter(p -> isWorkerOf(p, app)).findFirst()
            .orElseThrow(() -> new AssertionError("no worker of " + app + " runs")));
      }
      victims.forEach(ProcessHandle::destroyForcibly);
    });
    inject("kill -9 the node runtime, start it again", Duration.ofSeconds(40), () -> {
      node.kill9();
      node = node.restart();
    });
    inject("kill -9 the proxy, start it again", Duration.ofSeconds(20), () -> {
      proxy.kill9();
      proxy = proxy.restart();
    });
    inject("kill -9 ZooKeeper, start it again", Duration.ofSeconds(15), () -> {
      zookeeper("kill", zkDir.toString());
      zookeeper("start", zkDir.toString(), Integer.toString(zkPort));
    });

    load.getOutputStream().close(); // the load stops sending, waits out its deadlines and writes its summary
    assertTrue(load.waitFor(REQUEST_TIMEOUT.toSeconds() + 30, TimeUnit.SECONDS), "the load client did not finish");
    Map<String, Map<String, Long>> summary = ChaosLoad.readSummary(loadDir.resolve("summary.json"));
    List<Outcome> outcomes = outcomes();
    String report = report(summary, outcomes);
    System.out.println(report);
    Files.writeString(RuntimeProcess.HOME.resolve("it-tests/target/chaos-figures.txt"), report);

    for (Map.Entry<String, Map<String, Long>> lane : summary.entrySet()) {
      Map<String, Long> c = lane.getValue();
      assertEquals(0, c.get("hung"), lane.getKey() + ": requests with no reply past their deadline\n" + report);
      assertEquals(0, c.get("duplicated"), lane.getKey() + ": requests answered twice\n" + report);
      assertEquals(0, c.get("late"), lane.getKey() + ": answers after the deadline\n" + report);
      assertEquals(c.get("sent"), c.get("answered") + c.get("errored"),
          lane.getKey() + ": every request sent has one outcome\n" + report);
      // and exactly one line per id
      Map<Long, Integer> perId = new TreeMap<>();
      outcomes.stream().filter(o -> o.lane.equals(lane.getKey())).forEach(o -> perId.merge(o.id, 1, Integer::sum));
      assertEquals(c.get("sent").intValue(), perId.size(), lane.getKey() + ": ids with an outcome");
      assertTrue(perId.values().stream().allMatch(n -> n == 1), lane.getKey() + ": an id with two outcomes");
    }
    for (Fault f : faults) {
      assertTrue(f.recoveryMs <= f.bound.toMillis(),
          f.name + ": served again after " + f.recoveryMs + " ms, bound " + f.bound.toMillis() + " ms\n" + report);
    }
  }

  /** A fault action, which may throw. */
  interface Action {
    void run() throws Exception;
  }

  private static void inject(String name, Duration bound, Action action) throws Exception {
    long start = System.currentTimeMillis();
    action.run();
    long recovery = awaitServing(name, start, bound.plusSeconds(30));
    faults.add(new Fault(name, start, recovery, bound));
    assertStoredObjectsIntact(name);
  }

  /**
   * Waits until every lane has {@link #HEALTHY_RUN} answers in a row among requests sent after
   * {@code sinceMs}, and returns how long after {@code sinceMs} the first of those was sent.
   */
  private static long awaitServing(String what, long sinceMs, Duration atMost) {
    long[] recovered = new long[1];
    await(what + ": every lane serves again").atMost(atMost).pollInterval(Duration.ofMillis(200)).until(() -> {
      Map<String, List<Outcome>> byLane = new LinkedHashMap<>();
      for (Outcome o : outcomes()) {
        if (o.sentMs >= sinceMs) {
          byLane.computeIfAbsent(o.lane, k -> new ArrayList<>()).add(o);
        }
      }
      if (byLane.size() < 3) {
        return false;
      }
      long latest = sinceMs;
      for (List<Outcome> lane : byLane.values()) {
        lane.sort((a, b) -> Long.compare(a.id, b.id));
        int lastFailure = -1;
        for (int i = 0; i < lane.size(); i++) {
          if (!lane.get(i).kind.equals("ok")) {
            lastFailure = i;
          }
        }
        if (lane.size() - lastFailure - 1 < HEALTHY_RUN) {
          return false;
        }
        if (lastFailure >= 0) {
          // serving again since the first request after the lane's last failure
          latest = Math.max(latest, lane.get(lastFailure + 1).sentMs);
        }
      }
      recovered[0] = latest - sinceMs;
      return true;
    });
    return recovered[0];
  }

  private static void assertStoredObjectsIntact(String after) throws Exception {
    await(after + ": storage answers").atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
      try (StorageClient storage = StorageClient.connect("127.0.0.1", node.locatorPort())) {
        for (int i = 0; i < ChaosLoad.KEYS; i++) {
          String key = ChaosLoad.key(i);
          assertEquals(ChaosLoad.value(key), new String(storage.read(ChaosLoad.COLLECTION, key), StandardCharsets.UTF_8),
              after + ": stored key " + key);
        }
        assertArrayEquals(manifest, storage.read("manifests", "echo"), after + ": the app's manifest");
        assertArrayEquals(profile, storage.read("profiles", "echo"), after + ": the app's profile");
      }
    });
  }

  /** One line of the load's outcomes log. */
  record Outcome(String lane, long id, long sentMs, long doneMs, String kind, String detail) {}

  static List<Outcome> outcomes() throws IOException {
    return outcomes(loadDir);
  }

  /** The outcomes a {@link ChaosLoad} writing to {@code dir} has logged so far (the cluster tests run one too). */
  static List<Outcome> outcomes(Path dir) throws IOException {
    List<Outcome> out = new ArrayList<>();
    Path file = dir.resolve("outcomes.log");
    if (!Files.exists(file)) {
      return out;
    }
    // The load writes and flushes whole lines; dup and late lines carry sentMs -1.
    for (String line : Files.readAllLines(file)) {
      String[] f = line.split(" ", 6);
      if (f.length >= 5) {
        out.add(new Outcome(f[0], Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]), f[4],
            f.length > 5 ? f[5] : ""));
      }
    }
    return out;
  }

  /** Per fault and lane: requests sent in the fault's window and what became of them. */
  private static String report(Map<String, Map<String, Long>> summary, List<Outcome> outcomes) {
    StringBuilder b = new StringBuilder("chaos figures (load: " + RATE + " req/s per lane, deadline "
        + REQUEST_TIMEOUT.toMillis() + " ms)\n");
    List<Long> starts = new ArrayList<>(faults.stream().map(Fault::startMs).toList());
    starts.add(Long.MAX_VALUE);
    for (int i = 0; i < faults.size(); i++) {
      Fault f = faults.get(i);
      long from = f.startMs;
      long to = starts.get(i + 1);
      b.append(String.format("%-45s served again after %5d ms (bound %d ms)%n", f.name, f.recoveryMs, f.bound.toMillis()));
      for (String lane : summary.keySet()) {
        Map<String, Long> n = new TreeMap<>();
        String firstError = null;
        for (Outcome o : outcomes) {
          if (o.lane.equals(lane) && o.sentMs >= from && o.sentMs < to) {
            n.merge("sent", 1L, Long::sum);
            n.merge(o.kind, 1L, Long::sum);
            if (o.kind.equals("error") && firstError == null) {
              firstError = o.detail;
            }
          }
        }
        b.append(String.format("    %-8s sent %5d  answered %5d  errored %4d  hung %d%s%n", lane, n.getOrDefault("sent", 0L),
            n.getOrDefault("ok", 0L), n.getOrDefault("error", 0L), n.getOrDefault("hung", 0L),
            firstError == null ? "" : "  e.g. " + abbreviate(firstError)));
      }
    }
    b.append("whole run: ").append(summary).append('\n');
    return b.toString();
  }

  private static String abbreviate(String s) {
    return s.length() > 110 ? s.substring(0, 110) + "..." : s;
  }

  static List<ProcessHandle> workers() {
    String mine = node.runDir().toString(); // the node's paths.runtime, where its workers' sockets are
    return ProcessHandle.allProcesses().filter(p -> {
      String cmd = p.info().commandLine().orElse("");
      return cmd.contains("--app ") && cmd.contains("--endpoint " + mine);
    }).toList();
  }

  static boolean isWorkerOf(ProcessHandle p, String app) {
    return p.info().commandLine().orElse("").contains("--app " + app + " ");
  }

  static String httpEcho(String body) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + proxy.proxyPort() + "/http-echo/echo"))
        .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    return r.body();
  }

  static String cli(String expected, String... args) throws Exception {
    RuntimeProcess.CliResult r = node.cli(args);
    assertEquals(0, r.exit(), List.of(args) + ": " + r.output());
    assertTrue(r.output().contains(expected), List.of(args) + ": " + r.output());
    return r.output();
  }

  static void zookeeper(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("bash", ZOOKEEPER.toString()));
    cmd.addAll(List.of(args));
    Command.Result r = Command.run(cmd, Duration.ofSeconds(90));
    assertEquals(0, r.exit(), "zookeeper.sh " + String.join(" ", args) + ": " + r.output());
  }
}
