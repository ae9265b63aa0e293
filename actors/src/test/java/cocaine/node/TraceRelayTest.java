package cocaine.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.node.app.AppService;
import cocaine.tracing.Span;
import cocaine.tracing.Tracing;
import cocaine.wire.Frame;
import cocaine.wire.Graph;
import cocaine.wire.Header;
import cocaine.wire.Message;
import cocaine.wire.Values;
import cocaine.wire.WireClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The trace relay (docs/protocol.md 1.5) with raw frames on both sides: a client sends an enqueue with
 * trace headers, a worker process reads its invoke's. The node relays the call as one hop: the same
 * trace, a fresh span, the caller's span as its parent; the node's own spans stay on the dashboard.
 */
class TraceRelayTest {
  static final ActorTestKit testKit = ActorTestKit.create();
  static final long TRACE = 0x1122334455667788L;
  static final long CALLER_SPAN = 0x0a0b0c0d0e0f1011L;
  static final long CALLERS_PARENT = 77;
  NodeFixture node;

  @AfterEach
  void stop() throws Exception {
    node.close();
    Tracing.configure(true, 4096, "local");
  }

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  /** Starts a node and an app, sends one traced call; returns the worker's trace_id, span_id, parent_id. */
  private long[] tracedCall() throws Exception {
    node = new NodeFixture(testKit);
    node.app("app", Map.of(), NodeFixture.profile());
    assertEquals(0, node.startApp("app", "app").type());
    try (WireClient client = node.appClient("app")) {
      long ch = client.open(Message.of(AppService.ENQUEUE, Values.str("trace")).withHeaders(List.of(
          Header.ofLong(Header.TRACE_ID, TRACE), Header.ofLong(Header.SPAN_ID, CALLER_SPAN),
          Header.ofLong(Header.PARENT_ID, CALLERS_PARENT))));
      client.send(Message.close().on(ch));
      Frame seen = client.next(ch, Duration.ofSeconds(30));
      assertEquals(Graph.WRITE, seen.type(), seen.toString());
      assertEquals(Message.close().on(ch), client.next(ch));
      return seen.args().stream().mapToLong(Values::asLong).toArray();
    }
  }

  @Test
  void theWorkerSeesTheCallersTraceWithAFreshSpanUnderTheCallersSpan() throws Exception {
    Tracing tracing = Tracing.configure(true, 256, "node-a");
    long[] seen = tracedCall();
    assertEquals(TRACE, seen[0], "the same trace");
    assertEquals(CALLER_SPAN, seen[2], "the caller's span is the worker's parent");
    assertTrue(seen[1] > 0 && seen[1] != CALLER_SPAN && seen[1] != CALLERS_PARENT, "a fresh span: " + seen[1]);

    // the node's own hops stay on the dashboard, and its worker span is the one the worker saw
    await().atMost(Duration.ofSeconds(10)).until(() -> tracing.trace(TRACE).size() == 4);
    Map<String, Span> spans = tracing.trace(TRACE).stream().collect(Collectors.toMap(Span::name, Function.identity()));
    assertEquals(seen[1], spans.get(Span.WORKER).spanId());
    assertEquals(CALLER_SPAN, spans.get(Span.APP_SERVICE).parentId());
    assertEquals(spans.get(Span.SLOT).spanId(), spans.get(Span.WORKER).parentId());
  }

  @Test
  void withTracingOffTheCallIsStillRelayedAsOneHop() throws Exception {
    Tracing tracing = Tracing.configure(false, 256, "node-a");
    long[] seen = tracedCall();
    assertEquals(TRACE, seen[0]);
    assertEquals(CALLER_SPAN, seen[2]);
    assertTrue(seen[1] > 0 && seen[1] != CALLER_SPAN && seen[1] != CALLERS_PARENT, "a fresh span: " + seen[1]);
    assertTrue(tracing.trace(TRACE).isEmpty());
  }
}
