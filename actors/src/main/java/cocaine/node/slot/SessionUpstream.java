package cocaine.node.slot;

import cocaine.wire.Message;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.SourceShape;
import org.apache.pekko.stream.stage.AbstractGraphStageWithMaterializedValue;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStageLogic;

/**
 * The client's side of a session: the source of the worker's messages on the client's channel, fed
 * by the worker's pipe straight from the pipe's stream, with no actor and no future per message.
 *
 * <p>Backpressure is a window: the pipe hands over up to {@code window} messages the client has not
 * taken yet; at the window it stops reading the worker until the client takes one, and the client's
 * side then tells it to {@link Feedback#resume resume}. A client that does not read thus stalls its
 * worker, and holds at most {@code window} messages (plus the last one) here.
 */
public final class SessionUpstream extends AbstractGraphStageWithMaterializedValue<SourceShape<Message>, SessionUpstream.Handle> {
  private final int window;
  private final Runnable onStop;
  private final Outlet<Message> out = Outlet.create("SessionUpstream.out");
  private final SourceShape<Message> shape = SourceShape.of(out);

  /**
   * @param window worker messages handed over ahead of the client, at least 1
   * @param onStop run once when the client's side has ended, whichever way
   */
  public SessionUpstream(int window, Runnable onStop) {
    if (window < 1) {
      throw new IllegalArgumentException("window must be >= 1, got " + window);
    }
    this.window = window;
    this.onStop = onStop;
  }

  /** What the worker's pipe hears from the client's side of a session it serves. */
  interface Feedback {
    /** The client took messages: the pipe, waiting at the window of {@code channel}, may read on. */
    void resume(long channel);

    /** The client is gone: nothing more can reach it on {@code channel}. */
    void gone(long channel);
  }

  /** The pipe's and the session's controls; safe from any thread. */
  public static final class Handle {
    private final int window;
    /** Events given before the stage started, in order; null once it has. */
    private List<Object> early = new ArrayList<>();
    private AsyncCallback<Object> events;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicBoolean waiting = new AtomicBoolean();
    private volatile boolean gone;
    private volatile long channel;
    private volatile Feedback feedback;

    private Handle(int window) {
      this.window = window;
    }

    private void send(Object event) {
      AsyncCallback<Object> target;
      synchronized (this) {
        if (events == null) {
          early.add(event);
          return;
        }
        target = events;
      }
      target.invoke(event);
    }

    /** The stage has started: returns the events given so far; later ones go to {@code callback}. */
    private synchronized List<Object> started(AsyncCallback<Object> callback) {
      List<Object> before = early;
      early = null;
      events = callback;
      return before;
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
      int n = inFlight.incrementAndGet();
      send(m);
      if (n < window) {
        return true;
      }
      waiting.set(true);
      // the client may have taken messages between the increment and now, and seen no one waiting
      return inFlight.get() < window && waiting.compareAndSet(true, false);
    }

    /** Queues the last message and ends the client's side after it. */
    void finish(Message last) {
      send(new Last(last));
    }

    private void taken() {
      if (inFlight.decrementAndGet() < window && waiting.compareAndSet(true, false)) {
        Feedback f = feedback;
        if (f != null) {
          f.resume(channel);
        }
      }
    }

    private void ended() {
      gone = true;
      Feedback f = feedback;
      if (f != null) {
        f.gone(channel);
      }
    }
  }

  private record Last(Message message) {}

  @Override
  public SourceShape<Message> shape() {
    return shape;
  }

  @Override
  public Pair<GraphStageLogic, Handle> createLogicAndMaterializedValuePair(Attributes attributes) {
    Logic logic = new Logic();
    return Pair.create(logic, logic.handle);
  }

  private final class Logic extends GraphStageLogic {
    // one callback for both kinds: callbacks invoked before the stage starts keep their order only within one
    private final AsyncCallback<Object> events = createAsyncCallback(this::onEvent);
    final Handle handle = new Handle(window);
    private final ArrayDeque<Message> buffer = new ArrayDeque<>();
    private boolean lastQueued;

    Logic() {
      super(shape);
      setHandler(out, new AbstractOutHandler() {
        @Override
        public void onPull() {
          emit();
        }

        @Override
        public void onDownstreamFinish(Throwable cause) {
          completeStage();
        }
      });
    }

    private void onEvent(Object event) {
      if (lastQueued) {
        return;
      }
      if (event instanceof Last last) {
        lastQueued = true;
        buffer.add(last.message());
      } else {
        buffer.add((Message) event);
      }
      emit();
    }

    private void emit() {
      if (isAvailable(out) && !buffer.isEmpty()) {
        push(out, buffer.poll());
        if (!(lastQueued && buffer.isEmpty())) {
          handle.taken(); // the last message was never counted in the window
        }
      }
      if (lastQueued && buffer.isEmpty()) {
        completeStage();
      }
    }

    @Override
    public void preStart() {
      for (Object e : handle.started(events)) {
        onEvent(e);
      }
    }

    @Override
    public void postStop() {
      handle.ended();
      onStop.run();
    }
  }
}
