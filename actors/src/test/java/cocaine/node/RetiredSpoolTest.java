package cocaine.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.node.app.NodeConfig;
import cocaine.node.app.Share;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Values;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Rolling updates of an app with an archive: each version unpacks into its side-by-side spool
 * folder; a retired version's folder goes once it has stopped, so a node that lives through many
 * deploys keeps only what serves; an earlier run's slot folders go at node start.
 */
class RetiredSpoolTest {
  static final ActorTestKit testKit = ActorTestKit.create();
  NodeFixture node;
  Path leftover;

  @BeforeEach
  void start() throws Exception {
    node = new NodeFixture(testKit, "default", f -> {
      try {
        leftover = Files.createDirectories(f.dir.resolve("spool").resolve(".slot-7").resolve("gone"));
        Files.writeString(leftover.resolve("worker.sh"), "left by an earlier run");
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }, new NodeConfig.Rollover(Duration.ofSeconds(20), Duration.ofSeconds(20)));
    node.storage.putMap("profiles", "echo", NodeFixture.profile("pool-limit", 1));
  }

  @AfterEach
  void stop() throws Exception {
    node.close();
  }

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  /** Version {@code n} of 'echo': an archive holding the test worker, which the manifest names relatively. */
  private void version(int n) throws Exception {
    Path folder = Files.createDirectories(node.dir.resolve("v" + n));
    Files.copy(node.workerScript, folder.resolve("worker.sh"));
    folder.resolve("worker.sh").toFile().setExecutable(true);
    Path archive = node.dir.resolve("echo-" + n + ".tar.gz");
    Process tar = new ProcessBuilder("tar", "-czf", archive.toString(), "-C", folder.toString(), ".").inheritIO().start();
    assertEquals(0, tar.waitFor());
    node.storage.write("apps", "echo@" + n, FrameEncoder.encodeValue(Values.bytes(Files.readAllBytes(archive))),
        List.of("app"));
    Map<String, Object> manifest = new LinkedHashMap<>();
    manifest.put("slave", "worker.sh");
    manifest.put("environment", Map.of("VERSION", String.valueOf(n), "TEST_WORKER_MODE", "normal"));
    node.storage.putMap("versions", "echo@" + n, Map.of("version", n, "manifest", manifest, "profile", "echo"));
  }

  private StatusReply<Done> roll(int n) throws Exception {
    return AskPattern.<Node.Command, StatusReply<Done>>ask(node.node, r -> new Node.RollApp("echo",
            Share.only(String.valueOf(n), "echo"), false, r), Duration.ofSeconds(60), testKit.system().scheduler())
        .toCompletableFuture().get();
  }

  /** Every folder of 'echo' under the spool: its own and those of its side-by-side slots. */
  private List<Path> echoFolders() throws IOException {
    try (Stream<Path> all = Files.walk(node.dir.resolve("spool"), 2)) {
      return all.filter(p -> p.getFileName().toString().equals("echo") && Files.isDirectory(p)).toList();
    }
  }

  @Test
  void manyRollingUpdatesLeaveOnlyTheServingVersionsFolder() throws Exception {
    assertFalse(Files.exists(leftover.getParent()), "the node's start removed an earlier run's slot folder");
    for (int n = 1; n <= 5; n++) {
      version(n);
      StatusReply<Done> rolled = roll(n);
      assertTrue(rolled.isSuccess(), "version " + n + ": " + rolled);
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertEquals(1, echoFolders().size(),
          "the retired version's folder is removed once it stopped: " + echoFolders()));
      assertEquals(Map.of(String.valueOf(n), 100L), node.info("echo").get("versions"));
    }
  }
}
