package cocaine.node;

import static cocaine.node.NodeFixture.at;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.node.app.AppService;
import cocaine.node.app.EnvironmentMask;
import cocaine.node.app.InfoFlags;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.Message;
import cocaine.wire.Values;
import cocaine.wire.WireClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The node service's methods other than start_app's happy path, and the runlist at boot. */
class NodeServiceTest {
  static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private static boolean noWorkerProcesses() {
    return ProcessHandle.current().children().noneMatch(ProcessHandle::isAlive);
  }

  @Test
  void listInfoAndPauseShowAndStopTheApp() throws Exception {
    try (NodeFixture node = new NodeFixture(testKit)) {
      node.app("a", Map.of("GREETING", "hi"), NodeFixture.profile());
      node.app("b", Map.of(), NodeFixture.profile());
      assertEquals(0, node.startApp("b", "b").type());
      assertEquals(0, node.startApp("a", "a").type());

      Frame list = node.call(Message.of(NodeService.LIST));
      assertEquals(Message.value(Values.strings(List.of("a", "b"))).on(list.channel()), list);

      Map<String, Object> brief = node.info("a", 0);
      assertEquals("running", brief.get("state"));
      assertNull(brief.get("pool"), "no overseer report without flag 1");
      assertTrue(at(brief, "node", "uptime") instanceof Long up && up >= 0 && up < 3600, "the node's uptime: " + brief);
      assertTrue(brief.get("uptime") instanceof Long, "the app's own uptime stays at the top: " + brief);
      Map<String, Object> full = node.info("a", InfoFlags.ALL);
      assertEquals("hi", at(full, "manifest", "environment", "GREETING"));
      assertEquals(4L, at(full, "profile", "data", "concurrency"));
      assertEquals("a", at(full, "profile", "name"));
      assertEquals(10L, at(full, "queue", "capacity"));
      assertEquals(2L, at(full, "pool", "capacity"));

      try (WireClient client = node.appClient("a")) {
        long ping = client.open(Message.of(AppService.ENQUEUE, Values.str("ping")));
        assertEquals(2, client.all(ping).size());
      }
      try (WireClient client = node.appClient("a")) { // the app's own info: anyone on its port may ask
        long info = client.open(Message.of(AppService.INFO));
        @SuppressWarnings("unchecked")
        Map<String, Object> own = (Map<String, Object>) Values.toJava(client.next(info).args().get(0));
        assertEquals(EnvironmentMask.HIDDEN, at(own, "manifest", "environment", "GREETING"));
      }
      assertEquals(1L, at(node.info("a"), "requests", "accepted"));
      assertFalse(noWorkerProcesses());

      Frame paused = node.call(Message.of(NodeService.PAUSE_APP, Values.str("a")));
      assertEquals(0, paused.type(), paused.toString());
      assertFalse(node.publisher.published.containsKey("a"));
      await().atMost(Duration.ofSeconds(20)).until(NodeServiceTest::noWorkerProcesses);
      Frame after = node.call(Message.of(NodeService.LIST));
      assertEquals(List.of("b"), Values.asStrings(after.args().get(0)));
      Frame gone = node.call(Message.of(NodeService.INFO, Values.str("a")));
      assertEquals(ErrorCode.NOT_RUNNING, gone.message().toException().code());
      assertTrue(node.crashlogs().isEmpty(), "a paused app's workers leave no crashlog");
    }
  }

  @Test
  void nodeEnqueueReachesTheAppWithoutResolvingIt() throws Exception {
    try (NodeFixture node = new NodeFixture(testKit)) {
      node.app("echo", Map.of(), NodeFixture.profile());
      assertEquals(0, node.startApp("echo", "echo").type());
      try (WireClient client = node.nodeClient()) {
        long ch = client.open(Message.of(NodeService.ENQUEUE, Values.str("echo"), Values.str("echo")));
        client.send(Message.write(Values.str("via node")).on(ch));
        client.send(Message.close().on(ch));
        assertEquals(List.of(Message.write(Values.str("via node")).on(ch), Message.close().on(ch)), client.all(ch));

        long missing = client.open(Message.of(NodeService.ENQUEUE, Values.str("nosuch"), Values.str("ping")));
        assertEquals(ErrorCode.NOT_RUNNING, client.next(missing).message().toException().code());
        // writing on past the refusal, far beyond the channel's buffer, must not stall the connection
        for (int i = 0; i < 200; i++) {
          client.send(Message.write(Values.bytes(new byte[512])).on(missing));
        }
        client.send(Message.close().on(missing));
        long again = client.open(Message.of(NodeService.ENQUEUE, Values.str("echo"), Values.str("echo")));
        client.send(Message.write(Values.str("still read")).on(again));
        client.send(Message.close().on(again));
        assertEquals(List.of(Message.write(Values.str("still read")).on(again), Message.close().on(again)),
            client.all(again));
      }
    }
  }

  @Test
  void restartAfterPauseWaitsForTheOldLifeToEnd() throws Exception {
    try (NodeFixture node = new NodeFixture(testKit)) {
      node.app("echo", Map.of(), NodeFixture.profile());
      assertEquals(0, node.startApp("echo", "echo").type());
      try (WireClient client = node.appClient("echo")) {
        long ping = client.open(Message.of(AppService.ENQUEUE, Values.str("ping")));
        assertEquals(2, client.all(ping).size());
      }

      assertEquals(0, node.call(Message.of(NodeService.PAUSE_APP, Values.str("echo"))).type());
      assertEquals(0, node.startApp("echo", "echo").type());

      assertTrue(node.publisher.published.containsKey("echo"), "the old life's unpublish must not remove the new one");
      try (WireClient client = node.appClient("echo")) {
        long ping = client.open(Message.of(AppService.ENQUEUE, Values.str("ping")));
        assertEquals(Message.write(Values.str("pong")).on(ping), client.next(ping));
      }
    }
  }

  @Test
  void runlistAppsStartAtBootAndAFailingOneDoesNotStopTheOthers() throws Exception {
    try (NodeFixture node = new NodeFixture(testKit, "boot", seed -> {
      seed.storage.putMap("runlists", "boot", Map.of("good", "p", "bad", "nosuch-profile"));
      seed.app("good", Map.of(), NodeFixture.profile());
      seed.storage.putMap("profiles", "p", NodeFixture.profile());
      seed.app("bad", Map.of(), NodeFixture.profile());
    })) {
      await().atMost(Duration.ofSeconds(20)).until(() -> node.publisher.published.containsKey("good"));
      assertEquals("running", node.info("good").get("state"));
      Map<String, Object> bad = node.info("bad");
      assertEquals("broken", bad.get("state"));
      assertTrue(((String) bad.get("error")).contains("profile 'nosuch-profile' is not in storage"), bad.toString());
    }
  }

  @Test
  void missingRunlistStartsNothing() throws Exception {
    try (NodeFixture node = new NodeFixture(testKit, "absent")) {
      Frame list = node.call(Message.of(NodeService.LIST));
      assertEquals(List.of(), Values.asStrings(list.args().get(0)));
    }
  }

  @Test
  void infoHidesManifestEnvironmentValuesFromCallersWithoutTheToken() {
    Map<String, Object> report = Map.of("state", "running",
        "manifest", Map.of("slave", "run.sh", "environment", Map.of("DB_PASSWORD", "hunter2")));
    Map<String, Object> shown = EnvironmentMask.hide(report);
    assertEquals(Map.of("DB_PASSWORD", EnvironmentMask.HIDDEN), ((Map<?, ?>) shown.get("manifest")).get("environment"));
    assertEquals("run.sh", ((Map<?, ?>) shown.get("manifest")).get("slave"));
    assertEquals("running", shown.get("state"));
    assertEquals(Map.of("state", "idle"), EnvironmentMask.hide(Map.of("state", "idle")));
  }
}
