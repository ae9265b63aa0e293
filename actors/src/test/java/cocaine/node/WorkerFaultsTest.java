package cocaine.node;

import static cocaine.node.NodeFixture.at;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.node.app.AppService;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.Message;
import cocaine.wire.Values;
import cocaine.wire.WireClient;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Workers that die, hang or misbehave: callers get the cause, crashlogs are kept, the pool recovers. */
class WorkerFaultsTest extends FreshNodeTest {
  private Frame firstReply(String app, String event) throws Exception {
    try (WireClient client = node.appClient(app)) {
      long ch = client.open(Message.of(AppService.ENQUEUE, Values.str(event)));
      return client.next(ch, Duration.ofSeconds(30));
    }
  }

  @Test
  void workerExitingBeforeHandshakeFailsTheWaitingCallerWithTheCauseAndLeavesACrashlog() throws Exception {
    node.app("app", Map.of("TEST_WORKER_MODE", "exit-before-handshake"), NodeFixture.profile("pool-limit", 1));
    assertEquals(0, node.startApp("app", "app").type());

    Frame reply = firstReply("app", "ping");

    CocaineException e = reply.message().toException();
    assertEquals(new ErrorCode(ErrorCode.CATEGORY_SLAVE, 5), e.code(), reply.toString());
    assertTrue(e.getMessage().contains("exited with code 1 before its handshake"), e.getMessage());
    await().until(() -> !node.crashlogs().isEmpty());
    Map.Entry<String, List<String>> log = node.crashlogs().entrySet().iterator().next();
    assertTrue(log.getValue().contains("cannot start: missing configuration"), log.getValue().toString());
    String key = log.getKey();
    assertTrue(key.matches("\\d{16}:[0-9a-f-]{36}"), key);
    assertEquals(List.of("app", "cocaine-" + LocalDate.now(ZoneOffset.UTC)), node.storage.entries.get("crashlogs/" + key).tags());
    assertEquals(1L, at(node.info("app"), "pool", "total:crashed"));
  }

  @Test
  void workerThatNeverShakesHandsIsKilledAfterHandshakeTimeout() throws Exception {
    node.app("app", Map.of("TEST_WORKER_MODE", "no-handshake"), NodeFixture.profile("pool-limit", 1, "handshake-timeout", 1));
    assertEquals(0, node.startApp("app", "app").type());

    Frame reply = firstReply("app", "ping");

    CocaineException e = reply.message().toException();
    assertEquals(ErrorCode.ACTIVATE_TIMEOUT, e.code(), reply.toString());
    assertTrue(e.getMessage().contains("handshake-timeout (1 s)"), e.getMessage());
    await().until(() -> ((Map<?, ?>) at(node.info("app"), "pool", "slaves")).isEmpty());
  }

  @Test
  void workerThatStopsHeartbeatingFailsItsSessionsWithHeartbeatTimeout() throws Exception {
    node.app("app", Map.of("TEST_WORKER_MODE", "no-heartbeat"), NodeFixture.profile("pool-limit", 1, "heartbeat-timeout", 1));
    assertEquals(0, node.startApp("app", "app").type());

    Frame reply = firstReply("app", "hold");

    CocaineException e = reply.message().toException();
    assertEquals(ErrorCode.HEARTBEAT_TIMEOUT, e.code(), reply.toString());
    assertTrue(e.getMessage().contains("no heartbeat within heartbeat-timeout (1 s) while handling the request"),
        e.getMessage());
  }

  @Test
  void workerDyingMidRequestFailsTheCallerWritesACrashlogAndThePoolServesTheNextRequest() throws Exception {
    node.app("app", Map.of(), NodeFixture.profile("pool-limit", 1));
    assertEquals(0, node.startApp("app", "app").type());

    Frame reply = firstReply("app", "crash");

    CocaineException e = reply.message().toException();
    // the original slave's error::resource_error, "slave has unexpectedly disconnected"
    assertEquals(ErrorCode.RESOURCE, e.code(), reply.toString());
    assertEquals(new ErrorCode(20991, 2), e.code());
    assertTrue(e.getMessage().contains("has unexpectedly disconnected: it died with exit code 3 while handling the request"),
        e.getMessage());
    await().until(() -> !node.crashlogs().isEmpty());
    List<String> lines = node.crashlogs().values().iterator().next();
    assertEquals("last words", lines.get(lines.size() - 1), lines.toString());

    // respawned after the 1 s back-off
    Frame next = firstReply("app", "ping");
    assertEquals(Message.write(Values.str("pong")).on(next.channel()), next);
    assertEquals(1L, at(node.info("app"), "pool", "total:crashed"));
    assertEquals(2L, at(node.info("app"), "pool", "total:spawned"));
  }

  @Test
  void floodingWorkerOutputIsKeptBoundedInLinesAndLineLength() throws Exception {
    node.app("app", Map.of(), NodeFixture.profile("pool-limit", 1, "crashlog-limit", 5));
    assertEquals(0, node.startApp("app", "app").type());

    Frame flooded = firstReply("app", "flood");
    assertEquals(Message.write(Values.str("done")).on(flooded.channel()), flooded);
    Frame crashed = firstReply("app", "crash");
    assertEquals(ErrorCode.RESOURCE, crashed.message().toException().code());

    await().until(() -> !node.crashlogs().isEmpty());
    List<String> lines = node.crashlogs().values().iterator().next();
    assertEquals(5, lines.size(), lines.toString());
    assertTrue(lines.stream().allMatch(l -> l.length() <= 4096 + 16), "every line is cut at 4 KiB");
    assertEquals("x".repeat(100) + " 99999", lines.get(0));
    assertEquals("y".repeat(4096) + " [cut]", lines.get(1));
    assertEquals(List.of("flood finished", "about to crash while handling 3", "last words"), lines.subList(2, 5));
  }

  @Test
  void missingManifestFailsStartNamingIt() throws Exception {
    node.storage.putMap("profiles", "p", NodeFixture.profile());

    Frame reply = node.startApp("ghost", "p");

    CocaineException e = reply.message().toException();
    assertEquals(ErrorCode.NOT_FOUND, e.code(), reply.toString());
    assertTrue(e.getMessage().contains("manifest 'ghost' is not in storage (manifests/ghost)"), e.getMessage());
  }

  @Test
  void brokenProfileLeavesTheAppBrokenWithTheFieldNamedInInfo() throws Exception {
    node.app("app", Map.of(), NodeFixture.profile("pool-limit", -1));

    Frame reply = node.startApp("app", "app");

    CocaineException e = reply.message().toException();
    assertEquals(ErrorCode.INVALID, e.code(), reply.toString());
    assertTrue(e.getMessage().contains("'pool-limit'"), e.getMessage());
    Map<String, Object> info = node.info("app");
    assertEquals("broken", info.get("state"));
    assertTrue(((String) info.get("error")).contains("'pool-limit'"), info.toString());
    assertTrue(node.publisher.published.isEmpty());
    // pausing the broken app frees the name for a fixed profile
    assertEquals(0, node.call(Message.of(NodeService.PAUSE_APP, Values.str("app"))).type());
    node.storage.putMap("profiles", "app", NodeFixture.profile());
    assertEquals(0, node.startApp("app", "app").type());
  }
}
