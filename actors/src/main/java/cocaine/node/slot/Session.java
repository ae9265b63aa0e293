package cocaine.node.slot;

import cocaine.wire.CocaineException;
import cocaine.wire.Header;
import cocaine.wire.Message;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.SourceQueueWithComplete;

/**
 * One enqueued event on its way to a worker: the event name and headers, the client's later
 * messages ({@code rest}, pulled only once a worker takes the session) and the client's upstream, a
 * bounded queue whose offers complete only when there is room, so a slow client slows the worker.
 *
 * <p>Owned by one actor at a time (the engine while queued, then a slot); {@link #send} calls are
 * chained, so at most one offer is in flight and messages keep their order.
 */
public final class Session {
  private final long id;
  private final String event;
  private final List<Header> headers;
  private final Source<Message, NotUsed> rest;
  private final SourceQueueWithComplete<Message> upstream;
  private final long enqueuedNanos;
  private final long deadlineNanos;
  private final SessionTrace trace;
  private volatile boolean clientGone;
  private CompletionStage<Boolean> tail = CompletableFuture.completedFuture(true);
  private boolean finished;

  /**
   * @param upstream the client's upstream queue, made with {@code OverflowStrategy.backpressure()}
   * @param deadlineNanos {@link System#nanoTime()} after which the session has expired
   */
  public Session(long id, String event, List<Header> headers, Source<Message, NotUsed> rest,
      SourceQueueWithComplete<Message> upstream, long enqueuedNanos, long deadlineNanos) {
    this(id, event, headers, rest, upstream, enqueuedNanos, deadlineNanos, SessionTrace.NONE);
  }

  /** Like the other constructor, with the spans this session records. */
  public Session(long id, String event, List<Header> headers, Source<Message, NotUsed> rest,
      SourceQueueWithComplete<Message> upstream, long enqueuedNanos, long deadlineNanos, SessionTrace trace) {
    this.id = id;
    this.trace = trace;
    this.event = event;
    this.headers = List.copyOf(headers);
    this.rest = rest;
    this.upstream = upstream;
    this.enqueuedNanos = enqueuedNanos;
    this.deadlineNanos = deadlineNanos;
    // inline: a plain whenComplete on a Pekko stage starts a thread per session on small machines (see Link)
    upstream.watchCompletion().whenCompleteAsync((done, e) -> clientGone = true, Link.SAME_THREAD);
  }

  public long id() {
    return id;
  }

  public String event() {
    return event;
  }

  public List<Header> headers() {
    return headers;
  }

  /** Its spans; {@link SessionTrace#NONE} when not traced. */
  public SessionTrace trace() {
    return trace;
  }

  /** The client's messages after {@code enqueue}; may be materialized once. */
  public Source<Message, NotUsed> rest() {
    return rest;
  }

  public long enqueuedNanos() {
    return enqueuedNanos;
  }

  public long deadlineNanos() {
    return deadlineNanos;
  }

  /** True once the client's upstream ended: it cancelled, or this session finished it. */
  public boolean isClientGone() {
    return clientGone;
  }

  /** True once a terminal message was queued for the client; later sends are ignored. */
  public boolean isFinished() {
    return finished;
  }

  /**
   * Queues a message for the client. Completes true when it was queued, false when the client is
   * gone or the session already finished; never fails.
   */
  public CompletionStage<Boolean> send(Message m) {
    if (finished) {
      return CompletableFuture.completedFuture(false);
    }
    tail = tail.thenCompose(previous -> upstream.offer(m))
        .handle((result, e) -> e == null && result == QueueOfferResult.enqueued());
    return tail;
  }

  /** Queues the last message ({@code close} or {@code error}) and completes the upstream after it. */
  public CompletionStage<Boolean> finish(Message last) {
    if (finished) {
      return CompletableFuture.completedFuture(false);
    }
    CompletionStage<Boolean> sent = send(last);
    finished = true;
    trace.finished(last);
    return sent.whenComplete((ok, e) -> upstream.complete());
  }

  /** Ends the session with an error the client sees as {@code error [[category, code], message]}. */
  public CompletionStage<Boolean> fail(CocaineException cause) {
    return finish(Message.error(cause));
  }

  @Override
  public String toString() {
    return "session " + id + " (" + event + ")";
  }
}
