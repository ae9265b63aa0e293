package cocaine.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.client.Locator;
import cocaine.client.StorageClient;
import cocaine.cluster.desired.AppVersion;
import cocaine.cluster.desired.DesiredApp;
import cocaine.deploy.Releases;
import cocaine.it.DockerLab.Run;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Values;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * {@link SeedTopologyIT}'s step 5b (issue 16, "any node resolves any app"), under the counted load:
 * the seed app's running version (its manifest, profile and image) is started under a second name
 * on node1 only ({@code cocaine app start --cluster --nodes node1}); from the client host, {@code cocaine call} against node3's
 * locator reaches it by name: node3 does not run it, its locator resolves it to node1's address
 * (remote resolve), and node1's counter of it rises. A client-to-app call through another node's
 * locator, not an app-to-app call (RemoteResolveIT has the app-to-app relay on two runtimes).
 */
final class SeedRemoteResolve {
  static final String ONE = "seed-one";

  private SeedRemoteResolve() {}

  static void anAppOfNode1AnswersThroughNode3sLocator(SeedTopologyIT it) throws Exception {
    it.beginStep("5b an app of node1 only, called through node3's locator");
    String profile;
    try (StorageClient storage = StorageClient.connect(it.lab.address("node1"), SeedLab.LOCATOR_PORT)) {
      Releases releases = new Releases(storage, "seed", Clock.systemUTC());
      String running = releases.desired(SeedTopologyIT.APP).orElseThrow().version();
      AppVersion v = releases.versions(SeedTopologyIT.APP).stream()
          .filter(x -> String.valueOf(x.number()).equals(running)).findFirst().orElseThrow();
      storage.write("manifests", ONE, FrameEncoder.encodeValue(Values.fromJava(v.manifest())), List.of("app"));
      profile = v.profile();
      // the docker isolate runs <registry>/<app>:<tag>: the same image, named for this app
      String image = v.source();
      String renamed = image.replace("/" + SeedTopologyIT.APP + ":", "/" + ONE + ":");
      assertTrue(!renamed.equals(image), "version " + running + " of " + SeedTopologyIT.APP + " runs no image: " + image);
      DockerLab.assertDocker("tag", image, renamed);
      DockerLab.assertDocker("push", renamed);
    }
    Run start = it.lab.cli("node3", "app", "start", "--cluster", "-n", ONE, "-r", profile, "--nodes", "node1");
    long started = System.currentTimeMillis();
    SeedLab.assertOk(start, "cocaine app start --cluster --nodes node1");
    SeedLab.assertContains(start.output(), "app '" + ONE + "' runs on the cluster", "on node1");
    await(ONE + " answers through node3's locator").atMost(SeedTopologyIT.CONVERGE).pollInterval(Duration.ofMillis(500))
        .untilAsserted(() -> {
          Run call = it.lab.cli("node3", "call", ONE, "health", "probe");
          assertEquals(0, call.exit(), call.output());
          assertEquals("ok", call.output().strip());
        });
    it.figures.add(new SeedLoadReport.Figure("app start --cluster --nodes node1 -> answers through node3's locator",
        System.currentTimeMillis() - started));
    try (Locator at1 = Locator.connect(it.lab.address("node1"), SeedLab.LOCATOR_PORT);
        Locator at3 = Locator.connect(it.lab.address("node3"), SeedLab.LOCATOR_PORT)) {
      List<Locator.Endpoint> resolved = at3.resolve(ONE).endpoints();
      assertEquals(at1.resolve(ONE).endpoints(), resolved, "node3 hands out node1's own endpoints");
      assertTrue(resolved.stream().allMatch(e -> e.host().equals(it.lab.address("node1"))),
          "node3 resolves " + ONE + " to node1 (" + it.lab.address("node1") + "): " + resolved);
    }
    assertTrue(it.lab.accepted("node1", ONE) > 0, ONE + " served the calls on node1");
    for (String other : List.of("node2", "node3", "node4")) {
      assertEquals(-1, it.lab.accepted(other, ONE), ONE + " must not run on " + other);
    }
    SeedLab.assertOk(it.lab.cli("node3", "app", "stop", "--cluster", "-n", ONE), "cocaine app stop --cluster");
  }
}
