package cocaine.node.slot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.tracing.Span;
import cocaine.tracing.Tracing;
import cocaine.wire.ErrorCode;
import cocaine.wire.Header;
import cocaine.wire.Message;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SessionTraceTest {
  @AfterEach
  void restore() {
    Tracing.configure(true, 4096, "local");
  }

  static long header(List<Header> headers, String name) {
    return Header.find(headers, name).flatMap(Header::asLong).orElse(0L);
  }

  @Test
  void everyNodeHopRecordsItsSpanAndTheWorkerSeesOneHopUnderTheCallersSpan() {
    Tracing tracing = Tracing.configure(true, 64, "node-a");
    List<Header> enqueue = List.of(Header.ofLong(Header.TRACE_ID, 42), Header.ofLong(Header.SPAN_ID, 7),
        Header.ofLong(Header.PARENT_ID, 3), Header.of(Header.AUTHORIZATION, "Bearer x"));
    SessionTrace trace = SessionTrace.of(enqueue, "echo", System.nanoTime());
    trace.queued(2);
    trace.assigned("slot-1", System.nanoTime());
    trace.invoking("slot-1");
    List<Header> invoke = trace.invokeHeaders(enqueue);
    trace.workerEnded(Message.close());
    trace.slotFinished(null);
    trace.finished(Message.close());
    trace.completed();

    Map<String, Span> spans = tracing.trace(42).stream().collect(Collectors.toMap(Span::name, Function.identity()));
    assertEquals(Set.of(Span.QUEUE, Span.SLOT, Span.WORKER, Span.APP_SERVICE), spans.keySet());
    Span app = spans.get(Span.APP_SERVICE);
    assertEquals(7, app.parentId(), "the enqueue's span is the app service's parent");
    assertEquals(app.spanId(), spans.get(Span.QUEUE).parentId());
    assertEquals(2, spans.get(Span.QUEUE).attributes().get("depth"));
    assertEquals(app.spanId(), spans.get(Span.SLOT).parentId());
    assertEquals(spans.get(Span.SLOT).spanId(), spans.get(Span.WORKER).parentId());
    assertEquals("slot-1", spans.get(Span.WORKER).slot());
    assertEquals("node-a", spans.get(Span.WORKER).node());
    assertTrue(spans.values().stream().noneMatch(Span::failed));

    assertEquals(42, header(invoke, Header.TRACE_ID));
    assertEquals(spans.get(Span.WORKER).spanId(), header(invoke, Header.SPAN_ID));
    assertEquals(7, header(invoke, Header.PARENT_ID), "on the wire the node is one hop: the caller's span is the parent");
    assertEquals("Bearer x", Header.find(invoke, Header.AUTHORIZATION).orElseThrow().asText());
    assertEquals(4, invoke.size(), "each trace header once: " + invoke);
  }

  @Test
  void aWorkersErrorMarksItsSpansAndTheAppServiceAsFailed() {
    Tracing tracing = Tracing.configure(true, 64, "node-a");
    SessionTrace trace = SessionTrace.of(List.of(), "echo", System.nanoTime());
    trace.invoking("slot-1");
    Message error = Message.error(ErrorCode.WORKER_UNCAUGHT, "boom");
    trace.workerEnded(error);
    trace.slotFinished(null);
    trace.finished(error);
    trace.completed();
    List<Span> spans = tracing.trace(trace.traceId());
    assertNotEquals(0, trace.traceId(), "a session without trace headers starts a trace");
    assertEquals(3, spans.size());
    assertTrue(spans.stream().allMatch(s -> s.failed() && s.error().contains("boom")), spans.toString());
    assertEquals(0, spans.stream().filter(s -> s.name().equals(Span.APP_SERVICE)).findFirst().orElseThrow().parentId());
  }

  @Test
  void tracingOffRecordsNothingButStillRelaysTheCallersTraceAsOneHop() {
    Tracing tracing = Tracing.configure(false, 64, "node-a");
    List<Header> enqueue = List.of(Header.ofLong(Header.TRACE_ID, 42), Header.ofLong(Header.SPAN_ID, 7),
        Header.ofLong(Header.PARENT_ID, 3));
    SessionTrace trace = SessionTrace.of(enqueue, "echo", System.nanoTime());
    assertSame(SessionTrace.NONE, trace);
    trace.assigned("slot-1", System.nanoTime());
    trace.invoking("slot-1");
    List<Header> invoke = trace.invokeHeaders(enqueue);
    assertEquals(42, header(invoke, Header.TRACE_ID));
    assertEquals(7, header(invoke, Header.PARENT_ID));
    long span = header(invoke, Header.SPAN_ID);
    assertTrue(span != 0 && span != 7 && span != 3, "a fresh span: " + span);
    assertEquals(3, invoke.size(), "each trace header once: " + invoke);
    trace.slotFinished(null);
    trace.completed();
    assertTrue(tracing.recent(10).isEmpty());

    List<Header> untraced = List.of(Header.of(Header.AUTHORIZATION, "Bearer x"));
    assertSame(untraced, trace.invokeHeaders(untraced), "no trace, none made up");
  }
}
