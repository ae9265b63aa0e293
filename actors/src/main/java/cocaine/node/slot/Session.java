package cocaine.node.slot;

import cocaine.rpc.channel.FeedInlet;
import cocaine.rpc.channel.Handoff;
import cocaine.wire.CocaineException;
import cocaine.wire.Header;
import cocaine.wire.Message;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One enqueued event on its way to a worker: the event name and headers, the client's later
 * messages ({@code rest}, pulled only once a worker takes the session) and the client's upstream
 * ({@link SessionUpstream}), which the worker's pipe feeds directly within a bounded window, so a
 * slow client slows the worker.
 *
 * <p>Owned by one actor at a time (the engine while queued, then a slot); {@link #finish} and
 * {@link #fail} are safe from any thread and only the first of them counts.
 */
public final class Session {
  private final long id;
  private final String event;
  private final List<Header> headers;
  /** The client's messages, as a feed the pipe reads without a sub-stream. */
  private final Handoff.Feed<Message> rest;
  private final SessionUpstream upstream;
  private final long enqueuedNanos;
  private final long deadlineNanos;
  private final SessionTrace trace;
  private final AtomicBoolean finished = new AtomicBoolean();
  /** The client's messages went to a pipe, or were cancelled: whichever came first. */
  private final AtomicBoolean restClaimed = new AtomicBoolean();

  /**
   * @param rest the client's messages after {@code enqueue}, read by the worker's pipe ({@link FeedInlet})
   * @param upstream the client's side
   * @param deadlineNanos {@link System#nanoTime()} after which the session has expired
   */
  public Session(long id, String event, List<Header> headers, Handoff.Feed<Message> rest,
      SessionUpstream upstream, long enqueuedNanos, long deadlineNanos, SessionTrace trace) {
    this.id = id;
    this.trace = trace;
    this.event = event;
    this.headers = List.copyOf(headers);
    this.rest = rest;
    this.upstream = upstream;
    this.enqueuedNanos = enqueuedNanos;
    this.deadlineNanos = deadlineNanos;
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

  /** The client's messages after {@code enqueue}: read once by a worker's pipe, after {@link #claimRest}. */
  Handoff.Feed<Message> rest() {
    return rest;
  }

  /**
   * The worker's pipe takes the client's messages; false when the session ended first, which
   * cancelled them.
   */
  boolean claimRest() {
    return restClaimed.compareAndSet(false, true);
  }

  /** Tells the client's side that nobody will read its messages (once, and not after a pipe took them). */
  public void cancelRest() {
    if (!restClaimed.compareAndSet(false, true)) {
      return;
    }
    FeedInlet.cancel(rest);
  }

  SessionUpstream upstream() {
    return upstream;
  }

  public long enqueuedNanos() {
    return enqueuedNanos;
  }

  public long deadlineNanos() {
    return deadlineNanos;
  }

  /** True once the client's upstream ended: it cancelled, or this session finished it. */
  public boolean isClientGone() {
    return upstream.isGone();
  }

  /** True once a terminal message was queued for the client; later ones are ignored. */
  public boolean isFinished() {
    return finished.get();
  }

  /**
   * Queues the last message ({@code close} or {@code error}) and ends the client's upstream after
   * it. False when the session had already finished.
   */
  public boolean finish(Message last) {
    if (!finished.compareAndSet(false, true)) {
      return false;
    }
    trace.finished(last);
    upstream.finish(last);
    // ended before a worker's pipe took the client's messages (queue full, expired, app stopping):
    // nobody ever will, and a client that goes on writing must not fill its connection's buffers
    cancelRest();
    return true;
  }

  /** Ends the session with an error the client sees as {@code error [[category, code], message]}. */
  public boolean fail(CocaineException cause) {
    return finish(Message.error(cause));
  }

  @Override
  public String toString() {
    return "session " + id + " (" + event + ")";
  }
}
