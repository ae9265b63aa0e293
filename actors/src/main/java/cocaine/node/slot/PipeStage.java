package cocaine.node.slot;

import cocaine.rpc.channel.FeedInlet;
import cocaine.wire.Frame;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractGraphStageWithMaterializedValue;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker's pipe, both directions in one stage (docs/protocol.md 3).
 *
 * <p>Towards the worker: control frames and invokes in the order given, and each open invocation
 * channel's client messages, pulled one at a time and fused into this stage. Invokes go through the
 * control queue because workers take a channel as new only when its id is above every id seen so far
 * (docs/protocol.md 3.3); a channel's own frames start once its invoke is out.
 *
 * <p>From the worker: after the handshake (handed to {@link Router}), frames of invocation channels
 * go straight to their session's {@link SessionUpstream}, within its window; control frames, the end
 * of each channel and the pipe's own end go to the slot ({@link Listener}). The slot thus sees a few
 * messages per session, not several per frame. Buffers: the control queue up to its limit, one frame
 * per channel towards the worker, a session's window towards its client.
 *
 * <p>One file of about 400 lines because its handlers, its event callback and the slot's handle share
 * the stage logic's state, which only the stage's own thread touches; what one channel does is
 * {@link PipeChannel}'s.
 */
final class PipeStage extends AbstractGraphStageWithMaterializedValue<FlowShape<Frame, Frame>, PipeStage.Handle> {
  private static final Logger log = LoggerFactory.getLogger(PipeStage.class);
  private final int controlLimit;
  private final Router router;
  private final String who;
  private final Inlet<Frame> in = Inlet.create("PipeStage.fromWorker");
  private final Outlet<Frame> out = Outlet.create("PipeStage.toWorker");
  private final FlowShape<Frame, Frame> shape = FlowShape.of(in, out);

  /**
   * @param controlLimit control frames and invokes that may wait for the socket
   * @param router finds the slot of the worker's handshake
   * @param who names the pipe in log lines
   */
  PipeStage(int controlLimit, Router router, String who) {
    this.controlLimit = controlLimit;
    this.router = router;
    this.who = who;
  }

  /** Hands the pipe of a worker's handshake to its slot. */
  interface Router {
    /** False when nobody expects this first frame: the pipe is closed. */
    boolean route(Frame handshake, Handle pipe);
  }

  /** What the slot hears from its pipe, told from the pipe's stream. */
  interface Listener {
    /** A frame of the control channel (heartbeat, terminate). */
    void control(Frame frame);

    /**
     * Invocation channels ended both ways; told once per run of the pipe's stream, so a slot hears
     * one message for a batch of requests, not one each.
     */
    void channelsFinished(List<Long> channels);

    /** Reading stopped at a client's full window ({@code true}), or goes on again. */
    void stalled(boolean stalled);

    /** The pipe ended: the worker closed it, it broke, or it was closed here. */
    void closed(Optional<Throwable> failure);
  }

  /** The slot's controls; safe from any thread. */
  interface Handle {
    /** Starts reading the worker's frames after its handshake, telling {@code listener}. */
    void start(Listener listener);

    /** Queues a control frame; false when {@code controlLimit} frames wait already. */
    boolean control(Frame frame);

    /**
     * Queues {@code invoke} like a control frame, then streams the session's {@code rest} on its
     * channel and the worker's answers to the session; a client side that ends without
     * {@code close} or {@code error} becomes an error frame for the worker.
     *
     * @return false when the control queue is full (nothing was queued, {@code rest} untouched)
     */
    boolean open(Frame invoke, Session session);

    /**
     * Ends the channel now (the slot has finished its session): later worker frames on it are
     * dropped, and {@code last} goes to the worker if the client's side was still open.
     */
    void cut(long channel, Optional<Frame> last);
  }

  @Override
  public FlowShape<Frame, Frame> shape() {
    return shape;
  }

  @Override
  public Pair<GraphStageLogic, Handle> createLogicAndMaterializedValuePair(Attributes attributes) {
    Logic logic = new Logic();
    return Pair.create(logic, logic.handle);
  }

  /** What reaches the stage from other threads: the slot's controls and the sessions' feedback. */
  private sealed interface Event {}

  /** An invoke waiting in the control queue with the session it opens. */
  private record Opening(Frame invoke, Session session) implements Event {}

  /** A control frame waiting in the control queue. */
  private record Control(Frame frame) implements Event {}

  private record Cut(long channel, Optional<Frame> last) implements Event {}

  private record Start(Listener listener) implements Event {}

  /** A session's client has room in its window again. */
  private record Resume(long channel) implements Event {}

  /** A session's client went away. */
  private record Gone(long channel) implements Event {}

  private final class Logic extends GraphStageLogic implements SessionUpstream.Feedback, PipeChannel.Owner {
    private final AtomicInteger waiting = new AtomicInteger();
    private final ArrayDeque<Event> control = new ArrayDeque<>(); // Control or Opening
    private final Map<Long, PipeChannel> channels = new HashMap<>();
    private final ArrayDeque<PipeChannel> ready = new ArrayDeque<>();
    private final AsyncCallback<Event> events = createAsyncCallback(this::onEvent);
    /** Client messages of the channels, read through {@link FeedInlet}s. */
    private final AsyncCallback<Object> routed = createAsyncCallback(FeedInlet::dispatch);
    private volatile Listener listener;
    /** Channels finished during this run of the stream; the stream adds, {@link #tellFinished} takes. */
    private final ConcurrentLinkedQueue<Long> finished = new ConcurrentLinkedQueue<>();
    /** A {@link #tellFinished} is on its way: finishing more channels needs no other. */
    private final AtomicBoolean tellScheduled = new AtomicBoolean();
    /** Runs after the events already waiting for this stream, as {@code SocketStage}'s flush does. */
    private final Runnable tellFinished = this::tellFinished;
    private boolean handshaken;
    /** The channel whose full window stopped reading, or 0. */
    private long stalledOn;
    final Handle handle = new Handle() {
      @Override
      public void start(Listener l) {
        events.invoke(new Start(l));
      }

      @Override
      public boolean control(Frame frame) {
        return offer(new Control(frame));
      }

      @Override
      public boolean open(Frame invoke, Session session) {
        return offer(new Opening(invoke, session));
      }

      @Override
      public void cut(long channel, Optional<Frame> last) {
        events.invoke(new Cut(channel, last));
      }
    };

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
      setHandler(in, new AbstractInHandler() {
        @Override
        public void onPush() {
          Frame f = grab(in);
          if (!handshaken) {
            handshaken = true;
            if (!router.route(f, handle)) {
              completeStage();
            }
            return; // reading goes on once the slot starts us
          }
          if (onFrame(f)) {
            pull(in);
          }
        }

        @Override
        public void onUpstreamFinish() {
          completeStage();
        }

        @Override
        public void onUpstreamFailure(Throwable ex) {
          ended(Optional.of(ex));
          failStage(ex);
        }
      });
    }

    @Override
    public void preStart() {
      pull(in);
    }

    @Override
    public AsyncCallback<Object> routed() {
      return routed;
    }

    @Override
    public void ready(PipeChannel channel) {
      ready.add(channel);
    }

    @Override
    public void emit() {
      if (!isAvailable(out)) {
        return;
      }
      Event item = control.poll();
      if (item instanceof Opening opening) {
        waiting.decrementAndGet();
        push(out, opening.invoke());
        PipeChannel c = channels.get(opening.invoke().channel());
        if (c != null) {
          c.start(opening.session());
        } else {
          opening.session().cancelRest();
        }
        return;
      }
      if (item instanceof Control c) {
        waiting.decrementAndGet();
        push(out, c.frame());
        return;
      }
      PipeChannel c = ready.poll();
      if (c != null) {
        push(out, c.frames.poll());
        c.afterWrite();
      }
    }

    @Override
    public void finished(PipeChannel channel) {
      if (!channels.remove(channel.id, channel) || listener == null) {
        return;
      }
      finished.add(channel.id);
      if (tellScheduled.compareAndSet(false, true)) {
        materializer().executionContext().execute(tellFinished);
      }
    }

    /** Tells the slot, in one message, of the channels finished since the last time. */
    private void tellFinished() {
      tellScheduled.set(false); // before taking: a channel finished from now on schedules another
      List<Long> batch = new ArrayList<>();
      for (Long id = finished.poll(); id != null; id = finished.poll()) {
        batch.add(id);
      }
      Listener l = listener;
      if (!batch.isEmpty() && l != null) {
        l.channelsFinished(batch);
      }
    }

    @Override
    public void postStop() {
      tellFinished(); // before the slot hears that the pipe ended
      for (PipeChannel c : channels.values()) {
        c.abandon();
      }
      channels.clear();
      for (Event e : control) {
        if (e instanceof Opening opening) {
          opening.session().cancelRest();
        }
      }
      control.clear();
      ended(Optional.empty());
    }

    private void ended(Optional<Throwable> failure) {
      Listener l = listener;
      listener = null;
      if (l != null) {
        l.closed(failure);
      }
    }

    // Feedback from sessions' client sides, on their threads
    @Override
    public void resume(long channel) {
      events.invoke(new Resume(channel));
    }

    @Override
    public void gone(long channel) {
      events.invoke(new Gone(channel));
    }

    private boolean offer(Event item) {
      if (waiting.incrementAndGet() > controlLimit) {
        waiting.decrementAndGet();
        return false;
      }
      events.invoke(item);
      return true;
    }

    private void onEvent(Event event) {
      if (event instanceof Resume r) {
        if (stalledOn == r.channel()) {
          goOn();
        }
      } else if (event instanceof Gone g) {
        PipeChannel c = channels.get(g.channel());
        if (c != null) {
          c.clientGone();
        }
        if (stalledOn == g.channel()) {
          goOn();
        }
      } else if (event instanceof Cut cut) {
        PipeChannel c = channels.get(cut.channel());
        if (c != null) {
          c.upstreamDone = true;
          c.cut(cut.last());
        }
        if (stalledOn == cut.channel()) {
          goOn();
        }
      } else if (event instanceof Start start) {
        listener = start.listener();
        if (!isClosed(in) && !hasBeenPulled(in)) {
          pull(in);
        }
      } else if (event instanceof Opening opening) {
        long id = opening.invoke().channel();
        PipeChannel c = new PipeChannel(this, id, opening.session());
        channels.put(id, c);
        opening.session().upstream().attach(id, this);
        if (opening.session().isClientGone()) {
          c.clientGone();
        }
        control.add(opening);
        emit();
      } else if (event instanceof Control c) {
        control.add(c);
        emit();
      }
    }

    private void goOn() {
      stalledOn = 0;
      if (listener != null) {
        listener.stalled(false);
      }
      if (!isClosed(in) && !hasBeenPulled(in)) {
        pull(in);
      }
    }

    /** A worker frame after the handshake; false when reading must wait for a client. */
    private boolean onFrame(Frame f) {
      if (f.channel() == WorkerLink.CONTROL_CHANNEL) {
        listener.control(f);
        return true;
      }
      PipeChannel c = channels.get(f.channel());
      if (c == null || c.upstreamDone) {
        log.debug("{}: dropped a frame for closed or unknown channel {}", who, f.channel());
        return true;
      }
      if (c.fromWorker(f, who)) {
        return true;
      }
      stalledOn = c.id;
      listener.stalled(true);
      return false;
    }
  }
}
