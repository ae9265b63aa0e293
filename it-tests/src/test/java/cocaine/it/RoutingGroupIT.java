package cocaine.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.routing.Continuum;
import cocaine.routing.RoutingGroup;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 4's weighted split through the HTTP proxy: the {@code http-echo} example uploaded twice as
 * {@code echo_v1} and {@code echo_v2}, the routing group {@code echo} over them, and requests to
 * {@code /echo/echo} through {@code bin/cocaine-runtime --role all}. The proxy names the member
 * that answered in {@code X-Cocaine-Version-App}. Every request must be answered: one that times
 * out is counted as {@link #LOST} and fails the test with the counts.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RoutingGroupIT {
  static final Path APP = RuntimeProcess.HOME.resolve("examples/target/apps/http-echo");
  static final String VERSION_HEADER = "X-Cocaine-Version-App";
  /** Client connections kept alive to the proxy, each sending its requests one after another. */
  static final int CONNECTIONS = 4;
  /** Key of the requests that got no answer in time. */
  static final String LOST = "(lost)";

  @TempDir
  static Path dir;
  static RuntimeProcess runtime;
  static HttpClient http;
  static ExecutorService clients;

  @BeforeAll
  static void start() throws Exception {
    // a lost request fails the test after 5 s, not the default 30 s
    runtime = RuntimeProcess.start(dir, "all", "cocaine.proxy.timeout = 5s");
    assertCli("uploaded", "profile", "upload", "-n", "echo", "-r", APP.resolve("profile.json").toString());
    for (String version : List.of("v1", "v2")) {
      String app = "echo_" + version;
      assertCli("uploaded", "app", "upload", APP.toString(), "--name", app, "--manifest",
          "{\"slave\":\"run.sh\",\"environment\":{\"VERSION\":\"" + version + "\"}}");
      assertCli("started", "app", "start", "-n", app, "-r", "echo");
    }
    assertCli("", "group", "create", "-n", "echo", "-c", "{\"echo_v1\":80,\"echo_v2\":20}");
    assertCli("", "group", "refresh", "-n", "echo");
    clients = Executors.newFixedThreadPool(CONNECTIONS);
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(clients)
        .connectTimeout(Duration.ofSeconds(5)).build();
    await("the group answers through the proxy").atMost(Duration.ofSeconds(60)).ignoreExceptions()
        .until(() -> !member(null).equals(LOST));
  }

  @AfterAll
  static void stop() {
    if (clients != null) {
      clients.shutdownNow();
    }
    if (runtime != null) {
      runtime.close();
    }
  }

  @Test
  @Order(1)
  void eightyTwentyGroupSplitsTenThousandRequestsWithinTwoPoints() throws Exception {
    Map<String, Integer> split = send(10_000, null, Duration.ofMinutes(4));
    double v1 = share(split, "echo_v1");
    System.out.printf("80/20 group, 10000 requests: %s -> echo_v1 %.2f%% (ring share %.2f%%)%n", split, 100 * v1,
        100 * ringShare(Map.of("echo_v1", 80L, "echo_v2", 20L), "echo_v1"));
    assertEquals(0.80, v1, 0.02, "share of echo_v1 in " + split);
  }

  @Test
  @Order(2)
  void aWeightChangeAndRefreshMovesTheSplitWithoutARestart() throws Exception {
    assertCli("", "group", "push", "-n", "echo", "--app", "echo_v1", "-w", "50");
    assertCli("", "group", "push", "-n", "echo", "--app", "echo_v2", "-w", "50");
    assertCli("", "group", "refresh", "-n", "echo");
    long pid = runtime.process().pid();

    Map<String, Integer> split = send(2_000, null, Duration.ofMinutes(2));
    double v1 = share(split, "echo_v1");
    System.out.printf("50/50 group after refresh, 2000 requests: %s -> echo_v1 %.2f%% (ring share %.2f%%)%n", split,
        100 * v1, 100 * ringShare(Map.of("echo_v1", 50L, "echo_v2", 50L), "echo_v1"));
    // the ring's own share is 49.2 %; 2000 requests add about 1.1 points of noise
    assertEquals(0.50, v1, 0.04, "share of echo_v1 in " + split);
    assertTrue(runtime.process().isAlive() && runtime.process().pid() == pid, "the runtime was not restarted");
  }

  @Test
  @Order(3)
  void fiftyRequestsWithTheSameStickyHeaderLandOnOneMember() throws Exception {
    Map<String, Long> weights = Map.of("echo_v1", 50L, "echo_v2", 50L);
    Set<String> seen = new HashSet<>();
    for (String seed : List.of("user-1", "alice", "user-5")) {
      Map<String, Integer> split = send(50, seed, Duration.ofSeconds(60));
      System.out.printf("sticky '%s', 50 requests: %s%n", seed, split);
      assertEquals(1, split.size(), "all requests of '" + seed + "' on one member: " + split);
      String member = split.keySet().iterator().next();
      // the proxy hashes the seed as the locator does (docs/protocol.md 4.5)
      assertEquals(Continuum.of(new RoutingGroup(weights)).pick(seed), member, seed);
      seen.add(member);
    }
    assertEquals(Set.of("echo_v1", "echo_v2"), seen, "different seeds reach different members");
  }

  /** Sends n requests over {@link #CONNECTIONS} kept-alive connections; member -> requests it answered. */
  static Map<String, Integer> send(int n, String sticky, Duration limit) throws Exception {
    Map<String, Integer> counts = new ConcurrentHashMap<>();
    AtomicInteger left = new AtomicInteger(n);
    long deadline = System.nanoTime() + limit.toNanos();
    List<Future<?>> senders = new ArrayList<>();
    // the senders are plain threads: the client's own executor serves its connections
    ExecutorService pool = Executors.newFixedThreadPool(CONNECTIONS);
    try {
      for (int c = 0; c < CONNECTIONS; c++) {
        senders.add(pool.submit(() -> {
          while (left.getAndDecrement() > 0) {
            if (System.nanoTime() > deadline) {
              throw new AssertionError(n + " requests did not finish within " + limit);
            }
            counts.merge(member(sticky), 1, Integer::sum);
          }
          return null;
        }));
      }
      for (Future<?> f : senders) {
        f.get(limit.toMillis() + 10_000, TimeUnit.MILLISECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    int lost = counts.getOrDefault(LOST, 0);
    assertEquals(0, lost, lost + " of " + n + " requests got no answer: " + counts);
    return new TreeMap<>(counts);
  }

  /** One request to the group; the member that answered it, or {@link #LOST}. */
  static String member(String sticky) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + runtime.proxyPort() + "/echo/echo"))
        .timeout(Duration.ofSeconds(15))
        .POST(HttpRequest.BodyPublishers.ofString("hi"));
    if (sticky != null) {
      b.header("X-Cocaine-Sticky", sticky);
    }
    HttpResponse<String> r;
    try {
      r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (HttpTimeoutException e) {
      return LOST;
    }
    if (r.statusCode() == 504) {
      return LOST;
    }
    if (r.statusCode() != 200 || !r.body().equals("hi")) {
      throw new AssertionError("proxy answered " + r.statusCode() + " " + r.headers().map() + ": " + r.body());
    }
    return r.headers().firstValue(VERSION_HEADER)
        .orElseThrow(() -> new AssertionError("no " + VERSION_HEADER + " in " + r.headers().map()));
  }

  /** member's share of the answered requests. */
  static double share(Map<String, Integer> split, String member) {
    int total = split.entrySet().stream().filter(e -> !e.getKey().equals(LOST)).mapToInt(Map.Entry::getValue).sum();
    return split.getOrDefault(member, 0) / (double) total;
  }

  /** A member's share of the uint32 space on the group's ring: what random picks converge to. */
  static double ringShare(Map<String, Long> weights, String member) {
    var points = Continuum.of(new RoutingGroup(weights)).points();
    long previous = points.get(points.size() - 1).getKey() - (1L << 32);
    long owned = 0;
    for (var p : points) {
      if (p.getValue().equals(member)) {
        owned += p.getKey() - previous;
      }
      previous = p.getKey();
    }
    return owned / (double) (1L << 32);
  }

  private static void assertCli(String expected, String... args) throws Exception {
    RuntimeProcess.CliResult r = runtime.cli(args);
    assertEquals(0, r.exit(), List.of(args) + ": " + r.output());
    assertTrue(r.output().contains(expected), List.of(args) + ": " + r.output());
  }
}
