package cocaine.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16's rolling update on one {@code --role all} runtime (files storage, process isolate) under
 * a constant, counted load of 50 req/s through the proxy: a new version replaces the old without a
 * failed request, a rollback does too, a {@code --canary 20} release takes 20% +- 2 pt of 5,000
 * requests, {@code promote} leaves only it (rollback and promote return once only their version
 * answers), and a version whose health event fails is rolled back
 * automatically (marked failed with the reason) while the old one serves throughout. Prints the
 * figures: time from the command returning to the new version serving, failed requests per step.
 */
class RollingUpdateIT {
  static final Path APP = RuntimeProcess.HOME.resolve("examples/target/apps/http-echo");
  static final String NAME = "http-echo";
  static final int RATE = 50;

  @TempDir
  static Path dir;
  static RuntimeProcess runtime;
  static HttpClient http;

  @BeforeAll
  static void start() throws Exception {
    runtime = RuntimeProcess.start(dir.resolve("node"), "all",
        "cocaine.node { health-deadline = 30s, drain-timeout = 10s, report-every = 1s }");
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    cli("uploaded", "profile", "upload", "-n", NAME, "-r", APP.resolve("profile.json").toString());
    cli("uploaded", "app", "upload", version(1, false).toString(), "--name", NAME);
    cli("runs on the cluster: version 1", "app", "start", "--cluster", "-n", NAME, "-r", NAME);
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300)).ignoreExceptions()
        .until(() -> "1".equals(get().body()));
  }

  @AfterAll
  static void stop() {
    if (runtime != null) {
      runtime.close();
    }
  }

  /** The app's folder with a manifest of version {@code n} (its APP_VERSION, a health event that may fail). */
  static Path version(int n, boolean unhealthy) throws IOException {
    Path target = dir.resolve("v" + n);
    try (Stream<Path> files = Files.walk(APP)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Path to = target.resolve(APP.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(to);
        } else {
          Files.copy(p, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
    Files.writeString(target.resolve("manifest.json"), "{\"slave\": \"run.sh\", \"environment\": {\"APP_VERSION\": \""
        + n + "\"" + (unhealthy ? ", \"HEALTH_FAIL\": \"1\"" : "") + "}, \"health\": {\"event\": \"health\","
        + " \"timeout\": 5}}");
    return target;
  }

  static HttpResponse<String> get() throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + runtime.proxyPort() + "/" + NAME
        + "/version")).timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Right after {@code rollback} or {@code promote} returned (they wait for the nodes): 20 requests
   * in a row answer {@code version} only, none the version it replaced.
   */
  static void answersOnly(String version) throws Exception {
    for (int i = 0; i < 20; i++) {
      HttpResponse<String> r = get();
      assertEquals(200, r.statusCode(), r.body());
      assertEquals(version, r.body(), "request " + (i + 1) + " after the command returned");
    }
  }

  static RuntimeProcess.CliResult cli(String expected, String... args) throws Exception {
    RuntimeProcess.CliResult r = runtime.cli(args);
    assertEquals(0, r.exit(), String.join(" ", args) + ": " + r.output());
    assertTrue(r.output().contains(expected), String.join(" ", args) + ": " + r.output());
    return r;
  }

  /**
   * 50 requests a second, each answered once: per version the answers, and the failures (an error
   * status or no answer) with what they were.
   */
  static final class Load implements AutoCloseable {
    final ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor();
    final Map<String, AtomicLong> answers = new ConcurrentHashMap<>();
    final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    final AtomicLong sent = new AtomicLong();
    final AtomicLong done = new AtomicLong();
    volatile String last = "";

    Load() {
      ticks.scheduleAtFixedRate(this::fire, 0, 1000 / RATE, TimeUnit.MILLISECONDS);
    }

    private void fire() {
      sent.incrementAndGet();
      http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + runtime.proxyPort() + "/" + NAME
          + "/version")).timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString())
          .whenComplete((r, e) -> {
            if (e != null) {
              failures.add(e.toString());
            } else if (r.statusCode() != 200) {
              failures.add(r.statusCode() + " " + r.body());
            } else {
              answers.computeIfAbsent(r.body(), k -> new AtomicLong()).incrementAndGet();
              last = r.body();
            }
            done.incrementAndGet();
          });
    }

    /** Stops sending and waits for every request sent to be answered or failed. */
    @Override
    public void close() {
      ticks.shutdownNow();
      await().atMost(Duration.ofSeconds(30)).until(() -> done.get() == sent.get());
    }
  }

  /** Runs {@code step} under the load; returns the load (closed) and prints the step's figures. */
  static Load underLoad(String name, String expectVersion, ThrowingRunnable step) throws Exception {
    Load load = new Load();
    try (load) {
      await().atMost(Duration.ofSeconds(10)).until(() -> load.done.get() >= RATE); // a second of load before
      step.run();
      long returned = System.nanoTime();
      await().atMost(Duration.ofSeconds(60)).until(() -> expectVersion.equals(load.last));
      long serving = System.nanoTime();
      long settled = load.sent.get();
      await().atMost(Duration.ofSeconds(10)).until(() -> load.done.get() >= settled + RATE); // a second after
      System.out.printf("%s: version %s serves %d ms after the command returned; %d requests, %d failed, answers %s%n",
          name, expectVersion, (serving - returned) / 1_000_000, load.sent.get(), load.failures.size(), load.answers);
    }
    assertEquals(List.of(), load.failures, name + ": failed requests");
    assertEquals(load.sent.get(), load.answers.values().stream().mapToLong(AtomicLong::get).sum(),
        name + ": every request answered once");
    return load;
  }

  @FunctionalInterface
  interface ThrowingRunnable {
    void run() throws Exception;
  }

  @Test
  void rollingUpdateRollbackCanaryPromoteAndAnUnhealthyVersionLoseNoRequest() throws Exception {
    Path v2 = version(2, false);
    underLoad("rolling update 1 -> 2", "2", () -> cli("runs on", "app", "upload", v2.toString(), "--name", NAME,
        "--release", "--wait", "120s"));

    underLoad("rollback 2 -> 1", "1", () -> {
      cli("serves on", "app", "rollback", NAME);
      answersOnly("1");
    });

    Path v3 = version(3, false);
    underLoad("canary 3 at 20%", "1", () -> cli("canary at 20%", "app", "upload", v3.toString(), "--name", NAME,
        "--release", "--canary", "20", "--wait", "120s"));
    Map<String, Integer> split = new java.util.TreeMap<>();
    Load background = new Load();
    try (background) {
      for (int i = 0; i < 5000; i++) {
        HttpResponse<String> r = get();
        assertEquals(200, r.statusCode(), r.body());
        split.merge(r.body(), 1, Integer::sum);
      }
    }
    assertEquals(List.of(), background.failures);
    double canaryShare = split.getOrDefault("3", 0) / 50.0;
    System.out.printf("canary split over 5000 requests: %s (%.1f%% to version 3)%n", split, canaryShare);
    assertEquals(java.util.Set.of("1", "3"), split.keySet(), split.toString());
    assertTrue(Math.abs(canaryShare - 20.0) <= 2.0, "20% +- 2 pt: " + split);
    RuntimeProcess.CliResult versions = cli("canary 20%", "app", "versions", NAME);

    underLoad("promote 3", "3", () -> {
      cli("version 3 serves on", "app", "promote", NAME);
      answersOnly("3");
    });
    Load after = underLoad("after promote", "3", () -> { });
    assertEquals(java.util.Set.of("3"), after.answers.keySet(), "only the promoted version serves");

    Path v4 = version(4, true);
    Load unhealthy = underLoad("unhealthy 4 (auto-rollback)", "3", () -> {
      RuntimeProcess.CliResult r = runtime.cli("app", "upload", v4.toString(), "--name", NAME, "--release", "--wait",
          "120s");
      assertNotEquals(0, r.exit(), r.output());
      assertTrue(r.output().contains("version 4 is not healthy") && r.output().contains("health event 'health'")
          && r.output().contains("back to version 3") && r.output().contains("marked failed"), r.output());
    });
    assertEquals(java.util.Set.of("3"), unhealthy.answers.keySet(), "the old version served throughout");
    versions = cli("failed", "app", "versions", NAME);
    assertTrue(versions.output().contains("reason: node") && versions.output().contains("not healthy"),
        versions.output());
  }
}
