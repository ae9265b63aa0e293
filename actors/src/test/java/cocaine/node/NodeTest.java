package cocaine.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.node.app.AppService;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.Message;
import cocaine.wire.Values;
import cocaine.wire.WireClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeTest extends FreshNodeTest {
  @Test
  void startAppRepliesAfterPublishAndEnqueueRoundTripsThroughARealWorker() throws Exception {
    Path argsFile = node.dir.resolve("argv");
    node.app("echo", Map.of("TEST_WORKER_ARGS_FILE", argsFile.toString()), NodeFixture.profile());

    Frame reply = node.startApp("echo", "echo");

    assertEquals(0, reply.type(), "start_app: " + reply);
    assertTrue(reply.args().isEmpty());
    assertTrue(node.publisher.published.containsKey("echo"), "published before start_app replied");
    try (WireClient client = node.appClient("echo")) {
      long ch = client.open(Message.of(AppService.ENQUEUE, Values.str("echo")));
      client.send(Message.write(Values.str("hello")).on(ch));
      client.send(Message.write(Values.str("world")).on(ch));
      client.send(Message.close().on(ch));
      List<Frame> frames = client.all(ch);
      assertEquals(List.of(Message.write(Values.str("hello")).on(ch), Message.write(Values.str("world")).on(ch),
          Message.close().on(ch)), frames);

      long ping = client.open(Message.of(AppService.ENQUEUE, Values.str("ping")));
      assertEquals(List.of(Message.write(Values.str("pong")).on(ping), Message.close().on(ping)), client.all(ping));
    }
    List<String> argv = Files.readAllLines(argsFile);
    assertEquals(10, argv.size(), argv.toString());
    assertEquals(List.of("--app", "echo", "--endpoint", node.config.runtimeDir().resolve("echo." + ProcessHandle.current().pid()).toString(),
        "--locator", NodeFixture.LOCATOR, "--protocol", "1", "--uuid"), argv.subList(0, 9));
  }

  @Test
  void publishOnWaitsForItsWorkersAndUnpublishUnderWithdrawsTheAppUntilTheyAreBack() throws Exception {
    node.app("echo", Map.of(), NodeFixture.profile("publish-on", 2, "unpublish-under", 2));

    Frame reply = node.startApp("echo", "echo");

    assertEquals(0, reply.type(), "start_app: " + reply);
    assertTrue(node.publisher.published.containsKey("echo"), "published before start_app replied");
    List<ProcessHandle> workers = ProcessHandle.current().descendants()
        .filter(p -> p.info().commandLine().orElse("").contains("TestWorker")).toList();
    assertEquals(2, workers.size(), "publish-on 2 started two workers before anything was enqueued: " + workers);

    workers.get(0).destroyForcibly();

    await("unpublished below unpublish-under").atMost(Duration.ofSeconds(20))
        .until(() -> !node.publisher.published.containsKey("echo"));
    await("published again once the engine respawned the worker").atMost(Duration.ofSeconds(30))
        .until(() -> node.publisher.published.containsKey("echo"));
    try (WireClient client = node.appClient("echo")) {
      long ping = client.open(Message.of(AppService.ENQUEUE, Values.str("ping")));
      assertEquals(List.of(Message.write(Values.str("pong")).on(ping), Message.close().on(ping)), client.all(ping));
    }
  }

  @Test
  void startingARunningAppAgainIsRefusedWithAlreadyStarted() throws Exception {
    node.app("echo", Map.of(), NodeFixture.profile());
    assertEquals(0, node.startApp("echo", "echo").type());

    Frame again = node.startApp("echo", "echo");

    assertEquals(1, again.type());
    var e = again.message().toException();
    assertEquals(ErrorCode.ALREADY_STARTED, e.code());
    assertEquals("app 'echo' is already running", e.getMessage());
  }

  @Test
  void pausingAnAppClosesItsClientsConnectionsSoTheyResolveTheNextStartAgain() throws Exception {
    node.app("echo", Map.of(), NodeFixture.profile());
    assertEquals(0, node.startApp("echo", "echo").type());
    try (WireClient client = node.appClient("echo")) {
      long ping = client.open(Message.of(AppService.ENQUEUE, Values.str("ping")));
      assertEquals(List.of(Message.write(Values.str("pong")).on(ping), Message.close().on(ping)), client.all(ping));

      assertEquals(0, node.call(Message.of(NodeService.PAUSE_APP, Values.str("echo"))).type());

      // before the fix the connection stayed open and an enqueue on it waited for a reply that never came
      IOException closed = assertThrows(IOException.class, () -> client.next(Long.MAX_VALUE));
      assertEquals("connection closed by the server", closed.getMessage());
    }
  }

  @Test
  void pausingAnAppThatIsNotRunningIsRefusedWithNotRunning() throws Exception {
    Frame reply = node.call(Message.of(NodeService.PAUSE_APP, Values.str("nosuch")));

    assertEquals(1, reply.type());
    assertEquals(ErrorCode.NOT_RUNNING, reply.message().toException().code());
    assertTrue(reply.message().toException().getMessage().contains("nosuch"));
  }

  @Test
  void appServiceInfoReportsTheRunningAppWithItsCounters() throws Exception {
    node.app("echo", Map.of(), NodeFixture.profile());
    assertEquals(0, node.startApp("echo", "echo").type());
    try (WireClient client = node.appClient("echo")) {
      long ping = client.open(Message.of(AppService.ENQUEUE, Values.str("ping")));
      assertEquals(2, client.all(ping).size());
      // the channel ends, and the worker's load drops, only once both sides closed
      assertEquals(1L, ((Map<?, ?>) ((Map<?, ?>) NodeFixture.at(node.info("echo"), "pool", "slaves")).values().iterator().next())
          .get("load"));
      client.send(Message.close().on(ping));
      org.awaitility.Awaitility.await().until(() -> ((Number) NodeFixture.at(node.info("echo"), "pool", "idle")).intValue() == 1);

      long ch = client.open(Message.of(AppService.INFO));
      Frame reply = client.next(ch);

      assertEquals(0, reply.type(), reply.toString());
      @SuppressWarnings("unchecked")
      Map<String, Object> info = (Map<String, Object>) Values.toJava(reply.args().get(0));
      assertEquals("running", info.get("state"));
      assertEquals(1L, NodeFixture.at(info, "requests", "accepted"));
      assertEquals(1L, NodeFixture.at(info, "pool", "active"));
      Map<?, ?> slaves = (Map<?, ?>) NodeFixture.at(info, "pool", "slaves");
      Map<?, ?> slave = (Map<?, ?>) slaves.values().iterator().next();
      assertEquals("active", slave.get("state"));
      assertEquals(1L, slave.get("accepted"));
      assertEquals(0L, slave.get("load"));
      // the original's keys: load over all slaves, per slave load:total, rate, timings of the finished request
      assertEquals(0L, info.get("load"));
      assertEquals(0L, slave.get("load:total"));
      assertEquals(3, ((List<?>) info.get("rate")).size(), info.toString());
      assertTrue(((Number) info.get("rate_mean")).doubleValue() > 0, info.toString());
      Map<?, ?> timings = (Map<?, ?>) info.get("timings");
      assertEquals(List.of("50.00%", "75.00%", "90.00%", "95.00%", "98.00%", "99.00%", "99.95%"),
          List.copyOf(timings.keySet()));
      assertTrue(((Number) timings.get("50.00%")).doubleValue() > 0, "the finished request was timed: " + timings);
      assertEquals(100.0, ((Number) ((Map<?, ?>) info.get("timings_reversed")).get("1000ms")).doubleValue(),
          info.toString());
    }
  }
}
