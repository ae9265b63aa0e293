package cocaine.node.slot;

import cocaine.tracing.Span;
import cocaine.tracing.Tracing;
import cocaine.wire.Header;
import cocaine.wire.Message;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What tracing adds to one request, on or off: the proxy's three spans (as
 * {@code cocaine.proxy.RequestSpans} records them) and the node's four ({@link SessionTrace} through
 * enqueue, queue, slot, worker, close), with one listener like the dashboard's totals. In this
 * package because the slot's hooks on {@link SessionTrace} are package-private.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TracingBenchmark {
  @Param({"on", "off"})
  public String tracing;

  private List<Header> enqueue;
  private final LongAdder heard = new LongAdder();

  @Setup
  public void setUp() {
    Tracing t = Tracing.configure(tracing.equals("on"), 16384, "bench");
    t.subscribe(s -> heard.increment());
    enqueue = List.of(Header.ofLong(Header.TRACE_ID, 42), Header.ofLong(Header.SPAN_ID, 7),
        Header.ofLong(Header.PARENT_ID, 3), Header.ofLong(Header.REQUEST_TIMEOUT, 5000));
  }

  @Benchmark
  public Object request() {
    Tracing t = Tracing.process();
    long start = System.nanoTime();
    long trace = Tracing.newId();
    long proxySpan = trace;
    // node side
    SessionTrace session = SessionTrace.of(enqueue, "echo", start);
    session.queued(1);
    session.assigned("slot-uuid", start);
    session.invoking("slot-uuid");
    List<Header> invoke = session.invokeHeaders(enqueue);
    session.workerEnded(Message.close());
    session.slotFinished(null);
    session.finished(Message.close());
    session.completed();
    // proxy side, as RequestSpans records it
    if (t.enabled()) {
      t.record(trace, Tracing.newId(), proxySpan, Span.POOL, "echo", "", start, null,
          Map.of("endpoint", "127.0.0.1:1234"));
      t.record(trace, Tracing.newId(), proxySpan, Span.CONNECTION, "echo", "", start, null,
          Map.of("endpoint", "127.0.0.1:1234"));
      t.record(trace, proxySpan, 0, Span.PROXY, "echo", "", start, null, Map.of("status", 200, "event", "echo"));
    }
    return invoke;
  }
}
