package cocaine.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.it.DockerLab.Run;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@link SeedTopologyIT}'s steps 2 and 3 (issue 16), under the test's counted load: a second push
 * is a rolling update, {@code cocaine app rollback} goes back, a {@code git push -o canary=20}
 * release takes 20% +- 2 pt of 5,000 requests through the proxy, {@code cocaine app promote} leaves
 * only it; then a push whose health event fails is rolled back automatically while the old version
 * serves throughout. Versions are told apart as {@link RollingUpdateIT} does: the http-echo app's
 * {@code version} event answers its manifest's {@code APP_VERSION}.
 */
final class SeedSteps {
  static final int CANARY_SAMPLE = 5000;
  /** Requests in flight at once while the canary split is measured. */
  private static final int SPLIT_CLIENTS = 8;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private SeedSteps() {}

  /**
   * The seed app's {@code cocaine.json}: the manifest (its {@code APP_VERSION}, the health event,
   * {@code HEALTH_FAIL=1} when {@code unhealthy}) and the profile.
   */
  static String cocaineJson(String version, boolean unhealthy) {
    return "{\"manifest\": {\"slave\": \"/app/run.sh\", \"environment\": {\"APP_VERSION\": \"" + version + "\""
        + (unhealthy ? ", \"HEALTH_FAIL\": \"1\"" : "") + "}, \"health\": {\"event\": \"health\", \"timeout\": 5}},"
        + " \"profile\": {\"pool-limit\": 1, \"queue-limit\": 1000, \"handshake-timeout\": 30, \"log-output\": true}}\n";
  }

  /** Step 2: push v2 (rolling update), roll back to v1, canary 20% of v3 (measured), promote it. */
  static void rollingUpdateRollbackCanaryAndPromote(SeedTopologyIT it) throws Exception {
    it.beginStep("2a rolling update: git push of version 2");
    commit(it, "2", false, "version two");
    Run push = it.push(SeedTopologyIT.APP);
    long pushed = System.currentTimeMillis();
    SeedLab.assertOk(push, "the rolling update's push");
    SeedLab.assertContains(push.output(), "remote: deployed '" + SeedTopologyIT.APP + "' version ");
    awaitOnlyVersion(it, "2");
    it.figures.add(new SeedLoadReport.Figure("git push of version 2 returned -> only version 2 answers",
        System.currentTimeMillis() - pushed));

    it.beginStep("2b cocaine app rollback to version 1");
    Run rollback = it.lab.cli("node1", "app", "rollback", SeedTopologyIT.APP);
    long rolled = System.currentTimeMillis();
    SeedLab.assertOk(rollback, "cocaine app rollback");
    SeedLab.assertContains(rollback.output(), "app '" + SeedTopologyIT.APP + "' rolls back to version 1");
    awaitOnlyVersion(it, "1");
    it.figures.add(new SeedLoadReport.Figure("cocaine app rollback returned -> only version 1 answers",
        System.currentTimeMillis() - rolled));

    it.beginStep("2c git push -o canary=20 of version 3, the split");
    commit(it, "3", false, "version three, the canary");
    Run canary = it.push(SeedTopologyIT.APP, "-o", "canary=20");
    SeedLab.assertOk(canary, "git push -o canary=20");
    SeedLab.assertContains(canary.output(), "is the cluster's canary at 20% beside version");
    await("the canary answers").atMost(SeedTopologyIT.CONVERGE).pollInterval(Duration.ofMillis(500))
        .until(() -> versions(it, 20).containsKey("3"));
    Map<String, Integer> split = versions(it, CANARY_SAMPLE);
    double share = 100.0 * split.getOrDefault("3", 0) / CANARY_SAMPLE;
    it.figures.add(new SeedLoadReport.Figure("canary 20%: of " + CANARY_SAMPLE + " requests, version 3 answered",
        split.getOrDefault("3", 0), "requests"));
    System.out.printf("SeedTopologyIT: canary split over %d requests through the proxy: %s (%.1f%% to version 3)%n",
        CANARY_SAMPLE, split, share);
    assertEquals(List.of("1", "3"), List.copyOf(split.keySet()), "only versions 1 and 3 answer: " + split);
    assertTrue(Math.abs(share - 20) <= 2, "canary 20% +- 2 pt, got " + share + "%: " + split);
    Run listed = it.lab.cli("node1", "app", "versions", SeedTopologyIT.APP);
    SeedLab.assertOk(listed, "cocaine app versions");
    SeedLab.assertContains(listed.output(), "canary 20%");

    it.beginStep("2d cocaine app promote of version 3");
    Run promote = it.lab.cli("node1", "app", "promote", SeedTopologyIT.APP);
    long promoted = System.currentTimeMillis();
    SeedLab.assertOk(promote, "cocaine app promote");
    awaitOnlyVersion(it, "3");
    it.figures.add(new SeedLoadReport.Figure("cocaine app promote returned -> only version 3 answers",
        System.currentTimeMillis() - promoted));
  }

  /** Step 3: a version whose health event fails never takes traffic and is rolled back; version 3 serves throughout. */
  static void healthGateRollsBack(SeedTopologyIT it) throws Exception {
    it.beginStep("3 a push whose health event fails: auto-rollback");
    commit(it, "4", true, "version four, its health event fails");
    long from = System.currentTimeMillis();
    Run push = it.push(SeedTopologyIT.APP);
    it.figures.add(new SeedLoadReport.Figure("git push of an unhealthy version 4 -> refused and rolled back",
        System.currentTimeMillis() - from));
    System.out.println("SeedTopologyIT: the push of an unhealthy version said:\n" + push.output());
    assertNotEquals(0, push.exit(), "a push whose health event fails must fail:\n" + push.output());
    SeedLab.assertContains(push.output(), "is not healthy: its health event 'health'", "back to version 3",
        "[remote rejected] main -> main");
    assertEquals(Map.of("3", 20), versions(it, 20), "version 3 serves after the auto-rollback");
    Run listed = it.lab.cli("node1", "app", "versions", SeedTopologyIT.APP);
    SeedLab.assertOk(listed, "cocaine app versions");
    SeedLab.assertContains(listed.output(), "failed", "not healthy");
    // the repository goes back to what serves: later pushes (step 6's other app) are healthy
    commit(it, "3", false, "back to version three");
  }

  /** Waits until 20 requests in a row through the proxy answer from {@code version}. */
  private static void awaitOnlyVersion(SeedTopologyIT it, String version) {
    await("only version " + version + " answers").atMost(SeedTopologyIT.CONVERGE).pollInterval(Duration.ofMillis(500))
        .untilAsserted(() -> assertEquals(Map.of(version, 20), versions(it, 20)));
  }

  /**
   * How many of {@code n} calls of the app's {@code version} event through the proxy each version
   * answered; every call must answer 200.
   */
  static Map<String, Integer> versions(SeedTopologyIT it, int n) throws Exception {
    URI uri = URI.create("http://" + it.lab.address("lb") + ":" + SeedLab.PROXY_PORT + "/" + SeedTopologyIT.APP
        + "/version");
    ExecutorService clients = Executors.newFixedThreadPool(Math.min(n, SPLIT_CLIENTS));
    try {
      List<Future<Map<String, Integer>>> parts = new ArrayList<>();
      for (int c = 0; c < Math.min(n, SPLIT_CLIENTS); c++) {
        int calls = n / SPLIT_CLIENTS + (c < n % SPLIT_CLIENTS ? 1 : 0);
        parts.add(clients.submit(() -> {
          Map<String, Integer> seen = new TreeMap<>();
          for (int i = 0; i < calls; i++) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET()
                .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            seen.merge(r.body().strip(), 1, Integer::sum);
          }
          return seen;
        }));
      }
      Map<String, Integer> out = new TreeMap<>();
      for (Future<Map<String, Integer>> part : parts) {
        try {
          part.get().forEach((k, v) -> out.merge(k, v, Integer::sum));
        } catch (ExecutionException e) {
          if (e.getCause() instanceof Error error) {
            throw error; // a call that did not answer 200: the assertion itself
          }
          throw e;
        }
      }
      return out;
    } finally {
      clients.shutdownNow();
    }
  }

  private static void commit(SeedTopologyIT it, String version, boolean unhealthy, String message) throws Exception {
    Files.writeString(it.repo.resolve("cocaine.json"), cocaineJson(version, unhealthy));
    SeedLab.assertOk(it.git("add", "-A"), "git add");
    SeedLab.assertOk(it.git("commit", "-q", "-m", message), "git commit");
  }
}
