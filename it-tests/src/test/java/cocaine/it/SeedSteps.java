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
import java.util.Map;
import java.util.TreeMap;

/**
 * {@link SeedTopologyIT}'s steps 2 and 3, written against the commands of the rolling-update work
 * ({@code cocaine app deploy --canary 20}, {@code cocaine app promote NAME}, {@code cocaine app
 * rollback NAME}) and the proxy's response header {@value #VERSION_HEADER}; the test calls them once
 * that work is on main.
 */
final class SeedSteps {
  static final String VERSION_HEADER = "X-Cocaine-App-Version";
  static final int CANARY_SAMPLE = 5000;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private SeedSteps() {}

  /** Step 2: push v2 (rolling update), roll back to v1, canary 20% of v2 (measured), promote it. */
  static void rollingUpdateRollbackCanaryAndPromote(SeedTopologyIT it) throws Exception {
    long from = System.currentTimeMillis();
    it.steps.add(new SeedLoadReport.Step("2 rolling update, rollback, canary, promote", from, Long.MAX_VALUE, 0));
    String v1 = head(it);
    commit(it, "v2", "version two");
    String v2 = head(it);
    Run push = it.push(SeedTopologyIT.APP);
    SeedLab.assertOk(push, "the rolling update's push");
    long pushed = System.currentTimeMillis();
    awaitOnlyVersion(it, v2);
    it.figures.add(new SeedLoadReport.Figure("git push of v2 returned -> only v2 answers", System.currentTimeMillis()
        - pushed));

    SeedLab.assertOk(it.lab.cli("lb", "app", "rollback", SeedTopologyIT.APP), "cocaine app rollback");
    awaitOnlyVersion(it, v1);

    commit(it, "v3", "version three, the canary");
    String v3 = head(it);
    Run canary = it.lab.cli("node1", "app", "deploy", it.repo.toString(), "--name", SeedTopologyIT.APP, "--version",
        v3, "--registry", DockerLab.REGISTRY, "--canary", "20");
    SeedLab.assertOk(canary, "cocaine app deploy --canary 20");
    Map<String, Integer> split = versions(it, CANARY_SAMPLE);
    double share = 100.0 * split.getOrDefault(v3, 0) / CANARY_SAMPLE;
    it.figures.add(new SeedLoadReport.Figure("canary share of v3 in " + CANARY_SAMPLE + " requests, per mille",
        Math.round(share * 10)));
    assertTrue(Math.abs(share - 20) <= 2, "canary 20% +- 2 pt, got " + share + "%: " + split);
    assertEquals(CANARY_SAMPLE, split.getOrDefault(v1, 0) + split.getOrDefault(v3, 0), "only v1 and v3: " + split);

    SeedLab.assertOk(it.lab.cli("node1", "app", "promote", SeedTopologyIT.APP), "cocaine app promote");
    awaitOnlyVersion(it, v3);
  }

  /** Step 3: a version whose health event fails never takes traffic and is rolled back; v-old serves throughout. */
  static void healthGateRollsBack(SeedTopologyIT it) throws Exception {
    it.steps.add(new SeedLoadReport.Step("3 a failing health event: auto-rollback", System.currentTimeMillis(),
        Long.MAX_VALUE, 0));
    String serving = head(it);
    Files.writeString(it.repo.resolve("cocaine.json"), "{\"manifest\": {\"slave\": \"/app/run.sh\","
        + " \"health\": \"no-such-event\"}, \"profile\": {\"pool-limit\": 1, \"handshake-timeout\": 30}}\n");
    commit(it, null, "a version whose health event fails");
    Run push = it.push(SeedTopologyIT.APP);
    assertNotEquals(0, push.exit(), "a push whose health event fails must fail:\n" + push.output());
    assertTrue(push.output().contains("health") && push.output().contains("rolled back"), push.output());
    awaitOnlyVersion(it, serving);
    Run versions = it.lab.cli("node1", "app", "versions", SeedTopologyIT.APP);
    SeedLab.assertOk(versions, "cocaine app versions");
    assertTrue(versions.output().contains("health"), "the reason in versions:\n" + versions.output());
  }

  /** Waits until 20 requests in a row through the proxy answer from {@code version}. */
  private static void awaitOnlyVersion(SeedTopologyIT it, String version) {
    await("only " + version + " answers").atMost(SeedTopologyIT.CONVERGE).pollInterval(Duration.ofMillis(500))
        .untilAsserted(() -> assertEquals(Map.of(version, 20), versions(it, 20)));
  }

  /** How many of {@code n} requests through the proxy each version answered ({@value #VERSION_HEADER}). */
  static Map<String, Integer> versions(SeedTopologyIT it, int n) throws Exception {
    Map<String, Integer> out = new TreeMap<>();
    URI uri = URI.create("http://" + it.lab.address("lb") + ":" + SeedLab.PROXY_PORT + "/" + SeedTopologyIT.APP
        + "/echo");
    for (int i = 0; i < n; i++) {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
          .POST(HttpRequest.BodyPublishers.ofString("v")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
      out.merge(r.headers().firstValue(VERSION_HEADER).orElse("(none)"), 1, Integer::sum);
    }
    return out;
  }

  private static void commit(SeedTopologyIT it, String file, String message) throws Exception {
    if (file != null) {
      Files.writeString(it.repo.resolve(file), message + "\n");
    }
    SeedLab.assertOk(it.git("add", "-A"), "git add");
    SeedLab.assertOk(it.git("commit", "-q", "-m", message), "git commit");
  }

  private static String head(SeedTopologyIT it) throws Exception {
    Run r = it.git("rev-parse", "--short=7", "HEAD");
    SeedLab.assertOk(r, "git rev-parse");
    return r.output().strip();
  }
}
