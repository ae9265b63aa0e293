package cocaine.rpc.channel;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.pekko.NotUsed;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.SourceShape;
import org.apache.pekko.stream.stage.AbstractGraphStageWithMaterializedValue;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStageLogic;

/**
 * A source fed from another stream, ahead of demand, within a window of elements: the producer
 * hands over elements without waiting to be pulled, and hears back only when it stopped at a full
 * window and the consumer took one. Pekko's sub-sources cost two cross-stream messages per element
 * (a pull one way, the element the other); this costs at most one (elements handed over before the
 * consumer's stage ran share one), plus one per full window.
 *
 * <p>The producer keeps the {@link Feed}; the source may be materialized once.
 */
public final class Handoff<T> extends AbstractGraphStageWithMaterializedValue<SourceShape<T>, NotUsed> {
  private final Feed<T> feed;
  private final Outlet<T> out = Outlet.create("Handoff.out");
  private final SourceShape<T> shape = SourceShape.of(out);

  public Handoff(Feed<T> feed) {
    this.feed = feed;
  }

  /** The producer's side; its methods are safe from any thread, its callbacks come from the consumer's. */
  public static final class Feed<T> {
    private static final int WAITING = 1 << 30;

    private final int window;
    private final Runnable resume;
    private final Consumer<Throwable> cancelled;
    private final Runnable stopped;
    /**
     * Elements handed over and not yet taken, plus {@link #WAITING} while the producer waits for
     * {@code resume}. One word, so that the consumer decides to resume in the same step as it takes:
     * with two, a take could decide on a count the producer has filled up again since.
     */
    private final AtomicInteger state = new AtomicInteger();
    /**
     * Events given and not yet taken by the consumer ({@link #drain}), in order. Before the consumer's
     * stage exists they wait here for {@link #attach}; after, the consumer is signalled once per batch,
     * not once per event: a worker's head, body and close read in one go cost its consumer one
     * cross-stream message, not four.
     */
    private List<Object> pending = new ArrayList<>(4);
    /** The consumer's, once it is attached; null before. */
    private Runnable signal;
    /** A signal is on its way and the consumer has not drained since: later events ride with it. */
    private boolean signalled;
    /** The consumer stopped: events are dropped, as a stopped stage's callback drops them. */
    private boolean gone;

    /**
     * @param window elements handed over and not yet taken, at most (at least 1)
     * @param resume called when the producer, stopped at a full window, may go on; it runs on the
     *     consumer's thread, so it must hand the work to the producer's own thread and not
     *     {@link #offer} from inside: such an element could overtake elements offered before it
     *     from the producer's thread (PipeStageStressTest saw that)
     * @param cancelled called once when the consumer cancels
     */
    public Feed(int window, Runnable resume, Consumer<Throwable> cancelled) {
      this(window, resume, cancelled, () -> {});
    }

    /** As the other constructor; {@code stopped} is called once when the source stops, whichever way. */
    public Feed(int window, Runnable resume, Consumer<Throwable> cancelled, Runnable stopped) {
      if (window < 1) {
        throw new IllegalArgumentException("window must be >= 1, got " + window);
      }
      this.window = window;
      this.resume = resume;
      this.cancelled = cancelled;
      this.stopped = stopped;
    }

    /** Hands over an element; false when the window is now full: wait for {@code resume}. */
    public boolean offer(T element) {
      int n = state.incrementAndGet();
      send(element);
      if (n < window) {
        return true;
      }
      while (true) {
        int s = state.get();
        if (s < window) {
          return true; // the consumer took elements since the increment
        }
        if (state.compareAndSet(s, s | WAITING)) {
          return false;
        }
      }
    }

    /** Completes the source after the elements handed over. */
    public void complete() {
      send(Completion.INSTANCE);
    }

    /** Fails the source at once; elements not yet taken are dropped. */
    public void fail(Throwable cause) {
      send(new Failure(cause));
    }

    private void send(Object event) {
      Runnable target;
      synchronized (this) {
        if (gone) {
          return;
        }
        pending.add(event);
        if (signal == null || signalled) {
          return;
        }
        signalled = true;
        target = signal;
      }
      target.run();
    }

    /**
     * The consumer has started: returns the events given so far. Once later events are there,
     * {@code signal} is run, once until the consumer calls {@link #drain}; it must hand the work to
     * the consumer's own stream (an {@link AsyncCallback}).
     */
    synchronized List<Object> attach(Runnable signal) {
      if (this.signal != null) {
        throw new IllegalStateException("a handoff feed can be consumed only once");
      }
      this.signal = Objects.requireNonNull(signal);
      return drain();
    }

    /** For the consumer, on its signal: the events given since its last drain, in order. */
    synchronized List<Object> drain() {
      signalled = false;
      if (pending.isEmpty()) {
        return List.of();
      }
      List<Object> taken = pending;
      pending = new ArrayList<>(4);
      return taken;
    }

    /** The consumer stopped reading. */
    void consumerCancelled(Throwable cause) {
      cancelled.accept(cause);
    }

    /** The consumer has stopped, whichever way: later events are dropped. */
    void consumerStopped() {
      synchronized (this) {
        gone = true;
        pending = List.of();
      }
      stopped.run();
    }

    void taken() {
      while (true) {
        int s = state.get();
        int next = s - 1;
        boolean resumes = (next & WAITING) != 0 && (next & ~WAITING) < window;
        if (state.compareAndSet(s, resumes ? next & ~WAITING : next)) {
          if (resumes) {
            resume.run();
          }
          return;
        }
      }
    }
  }

  enum Completion { INSTANCE }

  record Failure(Throwable cause) {}

  @Override
  public SourceShape<T> shape() {
    return shape;
  }

  @Override
  public Pair<GraphStageLogic, NotUsed> createLogicAndMaterializedValuePair(Attributes attributes) {
    return Pair.create(new Logic(), NotUsed.getInstance());
  }

  /** The source: a {@link FeedInlet} whose owner is this one-port stage. */
  private final class Logic extends GraphStageLogic {
    private final FeedInlet<T> inlet = new FeedInlet<>(feed, createAsyncCallback(FeedInlet::dispatch));

    Logic() {
      super(shape);
      inlet.setHandler(new AbstractInHandler() {
        @Override
        public void onPush() {
          push(out, inlet.grab());
        }

        @Override
        public void onUpstreamFinish() {
          completeStage();
        }

        @Override
        public void onUpstreamFailure(Throwable ex) {
          failStage(ex);
        }
      });
      setHandler(out, new AbstractOutHandler() {
        @Override
        public void onPull() {
          inlet.pull();
        }

        @Override
        public void onDownstreamFinish(Throwable cause) {
          inlet.cancel(cause);
          completeStage();
        }
      });
    }

    // not before: a callback invoked before its stage has started may be lost
    @Override
    public void preStart() {
      inlet.attach();
    }

    @Override
    public void postStop() {
      inlet.detach();
    }
  }
}
