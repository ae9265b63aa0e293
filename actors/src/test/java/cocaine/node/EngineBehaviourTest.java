package cocaine.node;

import static cocaine.node.NodeFixture.at;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.node.app.AppService;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.Header;
import cocaine.wire.Message;
import cocaine.wire.Values;
import cocaine.wire.WireClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Admission, queueing, timeouts and pool sizing of one app, with real worker processes. */
class EngineBehaviourTest extends FreshNodeTest {
  private void startOneSlotApp(Object... profile) throws Exception {
    Object[] base = {"pool-limit", 1, "concurrency", 1, "queue-limit", 1};
    Object[] all = new Object[base.length + profile.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(profile, 0, all, base.length, profile.length);
    node.app("app", Map.of(), NodeFixture.profile(all));
    assertEquals(0, node.startApp("app", "app").type());
  }

  /** Opens a "hold" session and waits until a worker has taken it. */
  private long holdOnWorker(WireClient client) throws Exception {
    long ch = client.open(Message.of(AppService.ENQUEUE, Values.str("hold")));
    await().atMost(Duration.ofSeconds(20)).until(() -> ((Number) at(node.info("app"), "pool", "active")).intValue() == 1
        && ((Number) at(node.info("app"), "queue", "depth")).intValue() == 0);
    return ch;
  }

  @Test
  void queueFullRefusesAtOnceWithClearError() throws Exception {
    startOneSlotApp();
    try (WireClient client = node.appClient("app")) {
      long held = holdOnWorker(client);
      long queued = client.open(Message.of(AppService.ENQUEUE, Values.str("ping")));
      await().until(() -> ((Number) at(node.info("app"), "queue", "depth")).intValue() == 1);

      long refused = client.open(Message.of(AppService.ENQUEUE, Values.str("ping")));
      Frame reply = client.next(refused, Duration.ofSeconds(2));

      assertEquals(1, reply.type(), reply.toString());
      CocaineException e = reply.message().toException();
      assertEquals(ErrorCode.QUEUE_IS_FULL, e.code());
      assertTrue(e.getMessage().contains("queue is full"), e.getMessage());
      assertEquals(1L, at(node.info("app"), "requests", "rejected"));
      // the others go on once the held session ends
      client.send(Message.close().on(held));
      assertEquals(List.of(Message.close().on(held)), client.all(held));
      assertEquals(List.of(Message.write(Values.str("pong")).on(queued), Message.close().on(queued)), client.all(queued));
    }
  }

  @Test
  void requestExpiresInTheQueueWithDeadlineError() throws Exception {
    startOneSlotApp();
    try (WireClient client = node.appClient("app")) {
      holdOnWorker(client);
      long ch = client.open(Message.of(AppService.ENQUEUE, Values.str("ping"))
          .withHeaders(List.of(Header.ofLong(Header.REQUEST_TIMEOUT, 300))));

      Frame reply = client.next(ch, Duration.ofSeconds(5));

      CocaineException e = reply.message().toException();
      assertEquals(ErrorCode.DEADLINE, e.code(), reply.toString());
      assertTrue(e.getMessage().contains("expired in the queue"), e.getMessage());
      assertEquals(0L, ((Number) at(node.info("app"), "queue", "depth")).longValue());
    }
  }

  @Test
  void requestTimeoutOnAWorkerEndsBothSidesWithTimeoutError() throws Exception {
    startOneSlotApp("request-timeout", 0.5);
    try (WireClient client = node.appClient("app")) {
      // a worker is up first: under load its spawn alone can outlast 0.5 s, and the call would then
      // expire in the queue ([20991, 1]) instead of on the worker, which is what this case is about
      long warm = client.open(Message.of(AppService.ENQUEUE, Values.str("ping")));
      assertEquals(Message.write(Values.str("pong")).on(warm), client.next(warm, Duration.ofSeconds(20)));
      long ch = client.open(Message.of(AppService.ENQUEUE, Values.str("hold")));

      Frame reply = client.next(ch, Duration.ofSeconds(20));

      assertEquals(ErrorCode.TIMEOUT, reply.message().toException().code(), reply.toString());
      // the worker's channel ended too: the slot's load is back to 0 and it takes the next event
      long ping = client.open(Message.of(AppService.ENQUEUE, Values.str("ping")));
      assertEquals(Message.write(Values.str("pong")).on(ping), client.next(ping));
    }
  }

  @Test
  void aShorterDeadlineAfterALongerOneOnTheSameWorkerExpiresFirst() throws Exception {
    startOneSlotApp("concurrency", 2, "request-timeout", 60);
    try (WireClient client = node.appClient("app")) {
      long longer = client.open(Message.of(AppService.ENQUEUE, Values.str("hold")));
      await().atMost(Duration.ofSeconds(20)).until(() -> ((Number) at(node.info("app"), "pool", "active")).intValue() == 1);
      long shorter = client.open(Message.of(AppService.ENQUEUE, Values.str("hold"))
          .withHeaders(List.of(Header.ofLong(Header.REQUEST_TIMEOUT, 300))));
      long started = System.nanoTime();

      Frame reply = client.next(shorter, Duration.ofSeconds(20));

      assertEquals(ErrorCode.TIMEOUT, reply.message().toException().code(), reply.toString());
      long tookMs = (System.nanoTime() - started) / 1_000_000;
      assertTrue(tookMs < 10_000, "the slot's one timer was armed again for the earlier deadline; took " + tookMs + " ms");
      // the longer one is still served: the worker answers its pings meanwhile
      long ping = client.open(Message.of(AppService.ENQUEUE, Values.str("ping")));
      assertEquals(Message.write(Values.str("pong")).on(ping), client.next(ping));
      assertThrows(java.net.SocketTimeoutException.class, () -> client.next(longer, Duration.ofMillis(200)),
          "the 60 s request has not ended");
    }
  }

  @Test
  void aClientThatWritesOnARefusedRequestDoesNotStallItsConnection() throws Exception {
    startOneSlotApp();
    try (WireClient client = node.appClient("app")) {
      holdOnWorker(client);
      client.open(Message.of(AppService.ENQUEUE, Values.str("hold"))); // fills queue-limit 1
      long refused = client.open(Message.of(AppService.ENQUEUE, Values.str("ping")));
      assertEquals(ErrorCode.QUEUE_IS_FULL, client.next(refused).message().toException().code());
      // far past the channel's window and buffer: nobody will ever read these
      for (int i = 0; i < 200; i++) {
        client.send(Message.write(Values.bytes(new byte[512])).on(refused));
      }
      client.send(Message.close().on(refused));

      long info = client.open(Message.of(AppService.INFO));
      Frame reply = client.next(info);
      assertEquals(0, reply.type(), "the connection still reads: " + reply);
    }
  }

  @Test
  void aClientThatWritesOnARequestRefusedThroughTheNodeServiceDoesNotStallItsConnection() throws Exception {
    startOneSlotApp();
    try (WireClient app = node.appClient("app"); WireClient client = node.nodeClient()) {
      holdOnWorker(app);
      app.open(Message.of(AppService.ENQUEUE, Values.str("hold"))); // fills queue-limit 1
      // another connection: without this wait its enqueue could reach the queue first and be the one queued
      await().until(() -> ((Number) at(node.info("app"), "queue", "depth")).intValue() == 1);
      long refused = client.open(Message.of(NodeService.ENQUEUE, Values.str("app"), Values.str("ping")));
      assertEquals(ErrorCode.QUEUE_IS_FULL, client.next(refused).message().toException().code());
      for (int i = 0; i < 200; i++) {
        client.send(Message.write(Values.bytes(new byte[512])).on(refused));
      }
      client.send(Message.close().on(refused));

      long list = client.open(Message.of(NodeService.LIST));
      assertEquals(0, client.next(list).type(), "the node connection still reads");
    }
  }

  @Test
  void requestTimeoutHeaderReachesTheWorker() throws Exception {
    startOneSlotApp();
    try (WireClient client = node.appClient("app")) {
      long ch = client.open(Message.of(AppService.ENQUEUE, Values.str("header:request_timeout"))
          .withHeaders(List.of(Header.ofLong(Header.REQUEST_TIMEOUT, 7000))));
      assertEquals(Message.write(Values.integer(7000)).on(ch), client.next(ch));
    }
  }

  @Test
  void idleWorkersAreTerminatedAfterIdleTimeout() throws Exception {
    startOneSlotApp("idle-timeout", 1);
    try (WireClient client = node.appClient("app")) {
      long ping = client.open(Message.of(AppService.ENQUEUE, Values.str("ping")));
      assertEquals(2, client.all(ping).size());
    }
    assertEquals(1L, at(node.info("app"), "pool", "total:spawned"));

    await().atMost(Duration.ofSeconds(20)).until(() -> ((Map<?, ?>) at(node.info("app"), "pool", "slaves")).isEmpty());
    assertEquals(0L, at(node.info("app"), "pool", "total:crashed"), "an idle worker's exit is not a crash");
    assertTrue(node.crashlogs().isEmpty());
  }

  @Test
  void controlPinsThePoolSizeWhileItsChannelIsOpen() throws Exception {
    node.app("app", Map.of(), NodeFixture.profile("pool-limit", 3));
    assertEquals(0, node.startApp("app", "app").type());
    try (WireClient client = node.nodeClient()) {
      long ch = client.open(Message.of(NodeService.CONTROL, Values.str("app")));
      client.send(Message.write(Values.integer(2)).on(ch));

      await().atMost(Duration.ofSeconds(20)).until(() -> ((Number) at(node.info("app"), "pool", "active")).intValue() == 2);

      client.send(Message.write(Values.integer(1)).on(ch));
      await().atMost(Duration.ofSeconds(20)).until(() -> ((Map<?, ?>) at(node.info("app"), "pool", "slaves")).size() == 1);
      client.send(Message.close().on(ch));
      assertEquals(Message.value().on(ch), client.next(ch));
    }
  }

  @Test
  void heartbeatsAreAnsweredSoWorkersKeepRunning() throws Exception {
    node.app("app", Map.of("TEST_WORKER_HEARTBEAT_MS", "100", "TEST_WORKER_DISOWN_MS", "500"),
        NodeFixture.profile("pool-limit", 1));
    assertEquals(0, node.startApp("app", "app").type());
    try (WireClient client = node.appClient("app")) {
      long ping = client.open(Message.of(AppService.ENQUEUE, Values.str("ping")));
      assertEquals(2, client.all(ping).size());
    }
    // a worker that got no reply for 500 ms would have quit by now
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      Map<?, ?> slaves = (Map<?, ?>) at(node.info("app"), "pool", "slaves");
      return slaves.size() == 1 && ((Number) ((Map<?, ?>) slaves.values().iterator().next()).get("uptime")).longValue() >= 2;
    });
    assertEquals(0L, at(node.info("app"), "pool", "total:crashed"));
    assertEquals(1L, at(node.info("app"), "pool", "total:spawned"));
  }

  @Test
  void aSealedWorkerFinishesItsChannelsOrIsTerminatedAfterSealTimeout() throws Exception {
    node.app("app", Map.of(), NodeFixture.profile("pool-limit", 2, "concurrency", 1, "seal-timeout", 1));
    assertEquals(0, node.startApp("app", "app").type());
    try (WireClient control = node.nodeClient(); WireClient client = node.appClient("app")) {
      long pin = control.open(Message.of(NodeService.CONTROL, Values.str("app")));
      control.send(Message.write(Values.integer(2)).on(pin));
      long a = client.open(Message.of(AppService.ENQUEUE, Values.str("hold")));
      long b = client.open(Message.of(AppService.ENQUEUE, Values.str("hold")));
      await().atMost(Duration.ofSeconds(20)).until(() -> ((Number) at(node.info("app"), "pool", "active")).intValue() == 2
          && ((Number) at(node.info("app"), "queue", "depth")).intValue() == 0);

      control.send(Message.write(Values.integer(1)).on(pin));

      // one of the two busy workers is sealed; its session outlives seal-timeout and is cut
      Frame first = null;
      long cut = -1;
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (first == null && System.nanoTime() < deadline) {
        for (long ch : new long[] {a, b}) {
          try {
            first = client.next(ch, Duration.ofMillis(200));
            cut = ch;
            break;
          } catch (java.net.SocketTimeoutException e) {
            // not this one
          }
        }
      }
      assertTrue(first != null, "a sealed worker's session must end after seal-timeout");
      CocaineException e = first.message().toException();
      assertEquals(ErrorCode.SEAL_TIMEOUT, e.code(), first.toString());
      long kept = cut == a ? b : a;
      client.send(Message.close().on(kept));
      assertEquals(List.of(Message.close().on(kept)), client.all(kept));
      assertEquals(0L, at(node.info("app"), "pool", "total:crashed"));
    }
  }

  @Test
  void aClientThatDisconnectsEndsItsChannelOnTheWorker() throws Exception {
    startOneSlotApp();
    try (WireClient client = node.appClient("app")) {
      holdOnWorker(client);
      assertEquals(0L, ((Number) at(node.info("app"), "pool", "idle")).longValue());
    }

    // the worker got an error on the channel and closed its side: the slot is free again
    await().atMost(Duration.ofSeconds(20)).until(() -> ((Number) at(node.info("app"), "pool", "idle")).intValue() == 1);
    try (WireClient client = node.appClient("app")) {
      long ping = client.open(Message.of(AppService.ENQUEUE, Values.str("ping")));
      assertEquals(Message.write(Values.str("pong")).on(ping), client.next(ping));
    }
  }
}
