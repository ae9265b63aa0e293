package cocaine.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes sharing one ZooKeeper follow the cluster's desired state: a start on the cluster through
 * one node runs the app on both, a stop on the cluster stops it on both, and a node started anew
 * converges back from what ZooKeeper holds (issue 16).
 */
@Tag("zookeeper")
class DesiredStateIT {
  static final Path APPS = RuntimeProcess.HOME.resolve("examples/target/apps");
  static final Duration CONVERGE = Duration.ofSeconds(60);

  @TempDir
  static Path dir;
  static int zkPort;
  static RuntimeProcess node1;
  static RuntimeProcess node2;

  /** Both nodes run on one host: each has its own name for the desired state and its report. */
  static String zookeeperStorage(String node) {
    return String.join("\n",
        "cocaine.node.name = " + node,
        "cocaine.storage {",
        "  backend = zookeeper",
        "  zookeeper { connect = \"127.0.0.1:" + zkPort + "\", root = \"/desired-it\" }",
        "}");
  }

  @BeforeAll
  static void start() throws Exception {
    zkPort = RuntimeProcess.freePort();
    ZookeeperStorageIT.zookeeper("start", dir.resolve("zk").toString(), String.valueOf(zkPort));
    node1 = RuntimeProcess.start(dir.resolve("node1"), "node", zookeeperStorage("n1"));
    node2 = RuntimeProcess.start(dir.resolve("node2"), "node", zookeeperStorage("n2"));
    assertCli(node1, "uploaded", "app", "upload", APPS.resolve("echo").toString(), "--name", "echo");
    assertCli(node1, "uploaded", "profile", "upload", "-n", "echo", "-r",
        APPS.resolve("echo").resolve("profile.json").toString());
  }

  @AfterAll
  static void stop() throws Exception {
    for (RuntimeProcess node : new RuntimeProcess[] {node1, node2}) {
      if (node != null) {
        node.close();
      }
    }
    if (zkPort != 0) {
      ZookeeperStorageIT.zookeeper("stop", dir.resolve("zk").toString());
    }
  }

  @Test
  void clusterVerbsReachEveryNodeAndARestartedNodeConvergesBack() throws Exception {
    assertCli(node1, "runs on the cluster: version 1", "app", "start", "--cluster", "-n", "echo", "-r", "echo");
    awaitServing(node1, true);
    awaitServing(node2, true);
    await("status shows echo running as desired on both nodes").atMost(CONVERGE).pollInterval(Duration.ofSeconds(1))
        .untilAsserted(() -> {
          JsonNode actual = actual(node2, "echo");
          for (String node : new String[] {"n1", "n2"}) {
            assertEquals("running", actual.path(node).path("state").asText(), actual.toString());
            assertFalse(actual.path(node).path("differs").asBoolean(true), actual.toString());
          }
        });

    RuntimeProcess.CliResult versions = node2.cli("app", "versions", "echo");
    assertEquals(0, versions.exit(), versions.output());
    assertTrue(versions.output().contains("*") && versions.output().contains("sha256:"), versions.output());

    assertCli(node2, "stopped on the cluster", "app", "stop", "--cluster", "-n", "echo");
    awaitServing(node1, false);
    awaitServing(node2, false);

    assertCli(node1, "runs on the cluster: version 1", "app", "start", "--cluster", "-n", "echo", "-r", "echo");
    awaitServing(node2, true);
    node2.kill9();
    node2 = RuntimeProcess.start(dir.resolve("node2-again"), "node", zookeeperStorage("n2"));
    awaitServing(node2, true);
  }

  @Test
  void aDesiredAppWithAMissingProfileIsBrokenOnEachNodeWithTheReasonAndAnUnreadableVersionIsSetAside()
      throws Exception {
    // an app that is stored (its manifest and archive) but whose desired profile is not
    assertCli(node1, "uploaded", "app", "upload", APPS.resolve("echo").toString(), "--name", "ghost");
    assertCli(node1, "", "storage", "write", "desired", "ghost", "--pack-json",
        "{\"version\": \"1\", \"profile\": \"nosuch\"}", "-t", "desired");
    for (String node : new String[] {"n1", "n2"}) {
      await().atMost(CONVERGE).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
        RuntimeProcess.CliResult report = node1.cli("storage", "read", "converged", node);
        assertEquals(0, report.exit(), report.output());
        assertTrue(report.output().contains("\"ghost\" : [ \"1\", \"broken\", \"")
            && report.output().contains("profile 'nosuch'"), node + ": " + report.output());
      });
    }
    JsonNode ghost = actual(node1, "ghost");
    for (String node : new String[] {"n1", "n2"}) {
      assertEquals("broken", ghost.path(node).path("state").asText(), ghost.toString());
      assertTrue(ghost.path(node).path("differs").asBoolean(false)
          && ghost.path(node).path("reason").asText().contains("profile 'nosuch'"), ghost.toString());
    }
    RuntimeProcess.CliResult screen = node1.cli("status", "--interval", "200ms");
    assertTrue(screen.output().contains("DESIRED VS ACTUAL")
        && screen.output().matches("(?s).*ghost\\s+run v1\\s+n2\\s+\\* broken v1: .*"), screen.output());
    assertCli(node1, "", "storage", "remove", "desired", "ghost");

    assertCli(node1, "", "storage", "write", "versions", "other@3", "not a version", "-t", "app:other");
    RuntimeProcess.CliResult versions = node2.cli("app", "versions", "other");
    assertEquals(0, versions.exit(), versions.output());
    assertTrue(versions.output().contains("warning: version record other@3 is not")
        && versions.output().contains("has no recorded versions that can be read"), versions.output());
    RuntimeProcess.CliResult rollback = node2.cli("app", "rollback", "other", "--to", "3");
    assertEquals(1, rollback.exit(), rollback.output());
    assertTrue(rollback.output().contains("cannot roll back to version 3: version record other@3 is not"),
        rollback.output());
  }

  /** {@code cocaine status --json}'s {@code actual} of {@code app}: node name -> its state there. */
  static JsonNode actual(RuntimeProcess node, String app) throws Exception {
    RuntimeProcess.CliResult status = node.cli("status", "--json", "--interval", "200ms");
    assertEquals(0, status.exit(), status.output());
    for (JsonNode row : new ObjectMapper().readTree(status.output()).path("apps")) {
      if (row.path("app").asText().equals(app)) {
        return row.path("actual");
      }
    }
    throw new AssertionError("status names no app '" + app + "': " + status.output());
  }

  static void awaitServing(RuntimeProcess node, boolean serving) {
    await().atMost(CONVERGE).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
      RuntimeProcess.CliResult r = node.cli("call", "echo", "ping", "hello");
      if (serving) {
        assertEquals(0, r.exit(), r.output());
        assertEquals("hello", r.output());
      } else {
        assertNotEquals(0, r.exit(), r.output());
      }
    });
  }

  static void assertCli(RuntimeProcess node, String expected, String... args) throws Exception {
    RuntimeProcess.CliResult r = node.cli(args);
    assertEquals(0, r.exit(), String.join(" ", args) + ": " + r.output());
    assertTrue(r.output().contains(expected), String.join(" ", args) + ": " + r.output());
  }
}
