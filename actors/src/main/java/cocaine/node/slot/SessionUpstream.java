package cocaine.node.slot;

import cocaine.rpc.channel.Handoff;
import cocaine.wire.Message;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The client's side of a session: the source of the worker's messages on the client's channel, fed
 * by the worker's pipe straight from the pipe's stream (a {@link Handoff}), with no actor and no
 * future per message.
 *
 * <p>Backpressure is a window: the pipe hands over up to {@code window} messages the client has not
 * taken yet; at the window it stops reading the worker until the client takes one, and the client's
 * side then tells it to {@link Feedback#resume resume}. A client that does not read thus stalls its
 * worker, and holds at most {@code window} messages here.
 */
public final class SessionUpstream {
  private final Handoff.Feed<Message> feed;
  private volatile boolean gone;
  private volatile long channel;
  private volatile Feedback feedback;

  /**
   * @param window worker messages handed over ahead of the client, at least 1
   * @param onStop run once when the client's side has ended, whichever way
   */
  public SessionUpstream(int window, Runnable onStop) {
    this.feed = new Handoff.Feed<>(window, this::resumed, cause -> ended(), () -> {
      ended();
      onStop.run();
    });
  }

  /** What the worker's pipe hears from the client's side of a session it serves. */
  interface Feedback {
    /** The client took messages: the pipe, waiting at the window of {@code channel}, may read on. */
    void resume(long channel);

    /** The client is gone: nothing more can reach it on {@code channel}. */
    void gone(long channel);
  }

  /** The client's upstream as a feed, for a connection that reads it directly; use it or {@link #source()}, once. */
  public Handoff.Feed<Message> feed() {
    return feed;
  }

  /** The client's upstream; materialize it once. */
  public Source<Message, NotUsed> source() {
    return Source.fromGraph(new Handoff<>(feed));
  }

  /** True once the client's side ended: it cancelled, or the last message went out. */
  public boolean isGone() {
    return gone;
  }

  /** The pipe serving the session on {@code channel}; call {@link #isGone()} afterwards. */
  void attach(long channel, Feedback feedback) {
    this.channel = channel;
    this.feedback = feedback;
  }

  /**
   * Pipe's thread: hands over one message. False when the window is full: the pipe must stop
   * reading until {@link Feedback#resume}.
   */
  boolean deliver(Message m) {
    return feed.offer(m);
  }

  /** Queues the last message and ends the client's side after it. */
  void finish(Message last) {
    feed.offer(last);
    feed.complete();
  }

  private void resumed() {
    Feedback f = feedback;
    if (f != null) {
      f.resume(channel);
    }
  }

  private void ended() {
    if (gone) {
      return;
    }
    gone = true;
    Feedback f = feedback;
    if (f != null) {
      f.gone(channel);
    }
  }
}
