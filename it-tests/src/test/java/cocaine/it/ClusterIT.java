package cocaine.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link ClusterScenario} through the userspace gateway (TCP relay in the balancer), and issue 8's
 * cluster chaos after it: a network cut of node B and a kill -9 of the balancer+proxy, under a
 * steady counted load from the client host (NftablesGatewayIT does not repeat them: the faults
 * hit the announces and the proxy, not the gateway's kind).
 */
@Tag("netns")
class ClusterIT extends ClusterScenario {
  /** Proxied requests per second from the client host. */
  static final int RATE = 10;
  /** A request with no reply past this is hung; the proxy answers within its 5 s timeout. */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
  /** Consecutive answers that count as "serves again". */
  static final int HEALTHY_RUN = 10;
  /**
   * A node silent for 3 intervals is dropped at the balancer's next check (every half interval):
   * 3.5 intervals after a cut at most, and 1 s for timers and the log on a loaded machine.
   */
  static final Duration REMOVAL_BOUND = INTERVAL.multipliedBy(7).dividedBy(2).plusSeconds(1);
  /** Bound for the balancer's restart until proxy and virtual endpoint serve again. */
  static final Duration BALANCER_BOUND = Duration.ofSeconds(30);

  ClusterIT() {
    super("cluster", "10.79.5");
  }

  @Override
  String gatewayConfig() {
    return "cocaine.balancer.gateway = userspace";
  }

  /** One measured span of a fault, for the figures file. */
  private record Figure(String name, long ms, String bound) {}

  /** One fault: its window of the load, for the per-fault counts. */
  private record Window(String name, long fromMs, long toMs) {}

  @Test
  @Order(4)
  void aCutNodeAndAKilledBalancerLoseNoRequestAndTheClusterServesAgain() throws Exception {
    awaitReals(Set.of("na", "nb"));
    Path loadDir = Files.createDirectories(dir.resolve("load"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // from the client's namespace, in its own JVM: it outlives the balancer and counts every request
    Process load = new ProcessBuilder("ip", "netns", "exec", ns("cl"), java, "-Xmx96m", "-cp",
        System.getProperty("java.class.path"), ChaosLoad.class.getName(), loadDir.toString(),
        String.valueOf(LOCATOR_PORT), "http://" + address(1) + ":" + PROXY_PORT + "/http-echo/echo",
        String.valueOf(RATE), String.valueOf(REQUEST_TIMEOUT.toMillis()), "http")
        .redirectErrorStream(true).redirectOutput(loadDir.resolve("load.out").toFile()).start();
    List<Figure> figures = new ArrayList<>();
    List<Window> windows = new ArrayList<>();
    try {
      awaitServing(loadDir, "load warm-up", System.currentTimeMillis(), Duration.ofSeconds(60));

      // 1. node B's port on the switch goes down: no announces, no traffic, B's process runs on
      long cut = System.currentTimeMillis();
      inNamespace("sw", List.of("ip", "link", "set", "nb", "down"));
      await("node B's reals leave the gateway").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
          .until(() -> reals("echo").equals(Set.of("na")) && reals("http-echo").equals(Set.of("na")));
      long removed = System.currentTimeMillis() - cut;
      figures.add(new Figure("network cut of node B: its reals removed", removed,
          REMOVAL_BOUND.toMillis() + " ms: 3 intervals of silence, a half-interval check, 1 s of load"));
      long servedDuringCut = awaitServing(loadDir, "requests succeed via node A during the cut", cut,
          Duration.ofSeconds(40));
      figures.add(new Figure("network cut of node B: proxy serves via A only", servedDuringCut, "40000 ms"));
      // down for at least four announce intervals
      await("the cut lasts four intervals").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
          .until(() -> System.currentTimeMillis() - cut >= INTERVAL.multipliedBy(4).toMillis());
      long up = System.currentTimeMillis();
      inNamespace("sw", List.of("ip", "link", "set", "nb", "up"));
      windows.add(new Window("network cut of node B for " + (up - cut) + " ms", cut, up));
      awaitReals(Set.of("na", "nb"));
      long rejoined = System.currentTimeMillis() - up;
      figures.add(new Figure("network back: node B's reals in the gateway again", rejoined, "60000 ms"));
      long bBefore = accepted(nodeB).get("http-echo");
      await("node B serves proxied requests again").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .until(() -> accepted(nodeB).get("http-echo") > bBefore);
      figures.add(new Figure("network back: node B serves proxied requests again", System.currentTimeMillis() - up,
          "30000 ms after its reals"));
      assertTrue(removed <= REMOVAL_BOUND.toMillis(),
          "B's reals left the gateway " + removed + " ms after the cut");

      // 2. kill -9 of the balancer+proxy; the same config starts again and must re-learn both nodes
      long killed = System.currentTimeMillis();
      windows.add(new Window("network back, node B rejoins", up, killed));
      balancerLogFrom = balancer.output().length();
      balancer.kill9();
      balancer = balancer.restart();
      awaitReals(Set.of("na", "nb"));
      long relearned = System.currentTimeMillis() - killed;
      figures.add(new Figure("kill -9 balancer+proxy, restart: both nodes re-learned", relearned,
          BALANCER_BOUND.toMillis() + " ms"));
      long proxyServes = awaitServing(loadDir, "the restarted proxy serves", killed, Duration.ofSeconds(90));
      figures.add(new Figure("kill -9 balancer+proxy, restart: proxy serves again", proxyServes,
          BALANCER_BOUND.toMillis() + " ms"));
      await("the restarted virtual endpoint serves").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
          .untilAsserted(() -> virtualEndpointRequests(4));
      long endpointServes = System.currentTimeMillis() - killed;
      figures.add(new Figure("kill -9 balancer+proxy, restart: virtual endpoint serves again", endpointServes,
          BALANCER_BOUND.toMillis() + " ms"));
      windows.add(new Window("kill -9 balancer+proxy, restart", killed, Long.MAX_VALUE));
      for (Figure f : List.of(figures.get(4), figures.get(5), figures.get(6))) {
        assertTrue(f.ms <= BALANCER_BOUND.toMillis(), f.name + " after " + f.ms + " ms, bound " + f.bound);
      }
    } finally {
      load.getOutputStream().close(); // the load stops sending, waits out its deadlines and writes its summary
      if (!load.waitFor(REQUEST_TIMEOUT.toSeconds() + 30, TimeUnit.SECONDS)) {
        load.destroyForcibly();
      }
      try {
        inNamespace("sw", List.of("ip", "link", "set", "nb", "up")); // whatever failed, the lab is whole again
      } catch (Exception | AssertionError e) {
        // the lab is gone or was never cut: keep the test's own failure, not this one
      }
    }

    Map<String, Map<String, Long>> summary = ChaosLoad.readSummary(loadDir.resolve("summary.json"));
    List<ChaosIT.Outcome> outcomes = ChaosIT.outcomes(loadDir);
    String report = report(figures, windows, summary, outcomes);
    System.out.println(report);
    Files.writeString(RuntimeProcess.HOME.resolve("it-tests/target/cluster-chaos-figures.txt"), report);
    Map<String, Long> c = summary.get("http");
    assertEquals(0, c.get("hung"), "requests with no reply past their deadline\n" + report);
    assertEquals(0, c.get("duplicated"), "requests answered twice\n" + report);
    assertEquals(0, c.get("late"), "answers after the deadline\n" + report);
    assertEquals(c.get("sent"), c.get("answered") + c.get("errored"), "every request sent has one outcome\n" + report);
    Map<Long, Integer> perId = new TreeMap<>();
    outcomes.forEach(o -> perId.merge(o.id(), 1, Integer::sum));
    assertEquals(c.get("sent").intValue(), perId.size(), "ids with an outcome\n" + report);
    assertTrue(perId.values().stream().allMatch(n -> n == 1), "an id with two outcomes\n" + report);
    assertTrue(outcomes.stream().filter(o -> o.kind().equals("error")).noneMatch(o -> o.detail().isBlank()),
        "every error says what went wrong\n" + report);
  }

  /**
   * Waits until the load has {@link #HEALTHY_RUN} answers in a row among requests sent after
   * {@code sinceMs} (with no request in flight before them), and returns how long after {@code
   * sinceMs} the first of those was sent.
   */
  static long awaitServing(Path loadDir, String what, long sinceMs, Duration atMost) {
    long[] recovered = new long[1];
    await(what).atMost(atMost).pollInterval(Duration.ofMillis(200)).until(() -> {
      List<ChaosIT.Outcome> lane = new ArrayList<>(ChaosIT.outcomes(loadDir).stream()
          .filter(o -> o.sentMs() >= sinceMs).toList());
      lane.sort((a, b) -> Long.compare(a.id(), b.id()));
      // up to the first request still in flight: it may yet fail (a cut connection ends in a 504 after 5 s)
      for (int i = 1; i < lane.size(); i++) {
        if (lane.get(i).id() != lane.get(i - 1).id() + 1) {
          lane = lane.subList(0, i);
          break;
        }
      }
      int lastFailure = -1;
      for (int i = 0; i < lane.size(); i++) {
        if (!lane.get(i).kind().equals("ok")) {
          lastFailure = i;
        }
      }
      if (lane.size() - lastFailure - 1 < HEALTHY_RUN) {
        return false;
      }
      recovered[0] = lastFailure < 0 ? 0 : lane.get(lastFailure + 1).sentMs() - sinceMs;
      return true;
    });
    return recovered[0];
  }

  private static String report(List<Figure> figures, List<Window> windows, Map<String, Map<String, Long>> summary,
      List<ChaosIT.Outcome> outcomes) {
    StringBuilder b = new StringBuilder("cluster chaos figures (ClusterIT: proxied HTTP from the client host, " + RATE
        + " req/s, deadline " + REQUEST_TIMEOUT.toMillis() + " ms, announce interval " + INTERVAL.toMillis() + " ms)\n");
    for (Window w : windows) {
      Map<String, Long> n = new TreeMap<>();
      String firstError = null;
      for (ChaosIT.Outcome o : outcomes) {
        if (o.sentMs() >= w.fromMs() && o.sentMs() < w.toMs()) {
          n.merge("sent", 1L, Long::sum);
          n.merge(o.kind(), 1L, Long::sum);
          if (o.kind().equals("error") && firstError == null) {
            firstError = o.detail().length() > 110 ? o.detail().substring(0, 110) + "..." : o.detail();
          }
        }
      }
      b.append(String.format("%-45s sent %4d  answered %4d  errored %3d  hung %d%s%n", w.name(),
          n.getOrDefault("sent", 0L), n.getOrDefault("ok", 0L), n.getOrDefault("error", 0L),
          n.getOrDefault("hung", 0L), firstError == null ? "" : "  e.g. " + firstError));
    }
    for (Figure f : figures) {
      b.append(String.format("%-62s %6d ms (bound %s)%n", f.name(), f.ms(), f.bound()));
    }
    b.append("whole run: ").append(summary).append('\n');
    return b.toString();
  }
}
