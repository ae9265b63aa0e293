package cocaine.node.slot;

import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;
import org.apache.pekko.NotUsed;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.SourceShape;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.AbstractGraphStageWithMaterializedValue;

/**
 * Everything one worker's pipe writes, in one stage: control frames and invokes in the order given,
 * and each open invocation channel's client messages, pulled one at a time and fused into this
 * stage. A channel costs no stream of its own (a stream per channel cost more than the rest of a
 * request). Buffers: the control queue up to its limit, and one frame per channel.
 *
 * <p>Invokes go through the control queue because workers take a channel as new only when its id is
 * above every id seen so far (PROTOCOL.md 3.3); a channel's own frames start once its invoke is out.
 */
final class PipeWriter extends AbstractGraphStageWithMaterializedValue<SourceShape<Frame>, PipeWriter.Handle> {
  private final int controlLimit;
  private final Materializer materializer;
  private final Outlet<Frame> out = Outlet.create("PipeWriter.out");
  private final SourceShape<Frame> shape = SourceShape.of(out);

  /**
   * @param controlLimit control frames and invokes that may wait for the socket
   * @param materializer cancels the client side of channels this stage never got to start
   */
  PipeWriter(int controlLimit, Materializer materializer) {
    this.controlLimit = controlLimit;
    this.materializer = materializer;
  }

  /** The writer's controls; safe from any thread. */
  interface Handle {
    /** Queues a control frame; false when {@code controlLimit} frames wait already. */
    boolean control(Frame frame);

    /**
     * Queues {@code invoke} like a control frame, then streams {@code rest} on its channel; a client
     * side that ends without {@code close} or {@code error} becomes an error frame for the worker.
     *
     * @param dispatchEnded called with the channel id once nothing more goes to the worker on it
     * @return false when the control queue is full (nothing was queued, {@code rest} untouched)
     */
    boolean open(Frame invoke, Source<Message, NotUsed> rest, LongConsumer dispatchEnded);

    /** Ends the channel's client side now; {@code last} goes to the worker if its side was still open. */
    void cut(long channel, Optional<Frame> last);
  }

  @Override
  public SourceShape<Frame> shape() {
    return shape;
  }

  @Override
  public Pair<GraphStageLogic, Handle> createLogicAndMaterializedValuePair(Attributes attributes) {
    Logic logic = new Logic();
    return Pair.create(logic, logic.handle);
  }

  private record Opening(Frame invoke, Source<Message, NotUsed> rest, LongConsumer dispatchEnded) {}

  private record Cut(long channel, Optional<Frame> last) {}

  private final class Logic extends GraphStageLogic {
    private final AtomicInteger waiting = new AtomicInteger();
    private final ArrayDeque<Object> control = new ArrayDeque<>(); // Frame or Opening
    private final Map<Long, Channel> channels = new HashMap<>();
    private final ArrayDeque<Channel> ready = new ArrayDeque<>();
    private final AsyncCallback<Object> enqueued = createAsyncCallback(this::onControl);
    private final AsyncCallback<Cut> cuts = createAsyncCallback(c -> cut(c.channel(), c.last()));
    final Handle handle = new Handle() {
      @Override
      public boolean control(Frame frame) {
        return offer(frame);
      }

      @Override
      public boolean open(Frame invoke, Source<Message, NotUsed> rest, LongConsumer dispatchEnded) {
        return offer(new Opening(invoke, rest, dispatchEnded));
      }

      @Override
      public void cut(long channel, Optional<Frame> last) {
        cuts.invoke(new Cut(channel, last));
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
          for (Channel c : channels.values()) {
            c.abandon();
          }
          channels.clear();
          for (Object o : control) {
            if (o instanceof Opening opening) {
              opening.rest().runWith(Sink.cancelled(), materializer);
            }
          }
          control.clear();
          completeStage();
        }
      });
    }

    private boolean offer(Object item) {
      if (waiting.incrementAndGet() > controlLimit) {
        waiting.decrementAndGet();
        return false;
      }
      enqueued.invoke(item);
      return true;
    }

    private void onControl(Object item) {
      if (item instanceof Opening opening) {
        long id = opening.invoke().channel();
        channels.put(id, new Channel(id, opening.dispatchEnded()));
      }
      control.add(item);
      emit();
    }

    private void emit() {
      if (!isAvailable(out)) {
        return;
      }
      Object item = control.poll();
      if (item != null) {
        waiting.decrementAndGet();
        if (item instanceof Opening opening) {
          push(out, opening.invoke());
          Channel c = channels.get(opening.invoke().channel());
          if (c != null) {
            c.start(opening.rest());
          } else {
            opening.rest().runWith(Sink.cancelled(), materializer);
          }
        } else {
          push(out, (Frame) item);
        }
        return;
      }
      Channel c = ready.poll();
      if (c != null) {
        push(out, c.frames.poll());
        c.afterWrite();
      }
    }

    private void cut(long id, Optional<Frame> last) {
      Channel c = channels.get(id);
      if (c != null) {
        c.cut(last);
      }
    }

    /** One invocation channel's client-to-worker side. */
    private final class Channel {
      final long id;
      final LongConsumer dispatchEnded;
      /** At most the client's frame in hand and a last word after it. */
      final ArrayDeque<Frame> frames = new ArrayDeque<>(2);
      SubSinkInlet<Message> in;
      boolean started;
      /** Nothing more will come from the client: it ended, or the channel was cut. */
      boolean inputDone;
      boolean clientEnded;
      Optional<Frame> cutBeforeStart;

      Channel(long id, LongConsumer dispatchEnded) {
        this.id = id;
        this.dispatchEnded = dispatchEnded;
      }

      void start(Source<Message, NotUsed> rest) {
        started = true;
        if (cutBeforeStart != null) {
          rest.runWith(Sink.cancelled(), materializer);
          inputDone = true;
          cutBeforeStart.ifPresent(this::queue);
          finishIfDrained();
          return;
        }
        in = new SubSinkInlet<>("pipe-channel-" + id);
        in.setHandler(new AbstractInHandler() {
          @Override
          public void onPush() {
            Message m = in.grab();
            clientEnded = m.type() == Graph.CLOSE || m.type() == Graph.ERROR;
            queue(m.on(id));
          }

          @Override
          public void onUpstreamFinish() {
            clientGone();
          }

          @Override
          public void onUpstreamFailure(Throwable ex) {
            clientGone();
          }
        });
        rest.runWith(in.sink(), subFusingMaterializer());
        in.pull();
      }

      private void clientGone() {
        if (inputDone) {
          return;
        }
        inputDone = true;
        if (!clientEnded) {
          queue(Message.error(ErrorCode.WORKER_DISCONNECTED, "client disconnected").on(id));
        }
        finishIfDrained();
      }

      void cut(Optional<Frame> last) {
        if (!started) {
          cutBeforeStart = last;
          return;
        }
        if (inputDone) {
          return;
        }
        inputDone = true;
        if (in != null && !in.isClosed()) {
          in.cancel();
        }
        last.ifPresent(this::queue);
        finishIfDrained();
      }

      private void queue(Frame f) {
        boolean wasEmpty = frames.isEmpty();
        frames.add(f);
        if (wasEmpty) {
          ready.add(this);
        }
        emit();
      }

      void afterWrite() {
        if (!frames.isEmpty()) {
          ready.add(this);
        } else if (inputDone) {
          finishIfDrained();
        } else if (!in.isClosed() && !in.hasBeenPulled()) {
          in.pull();
        }
      }

      private void finishIfDrained() {
        if (inputDone && frames.isEmpty() && channels.remove(id, this)) {
          dispatchEnded.accept(id);
        }
      }

      void abandon() {
        if (in != null && !in.isClosed()) {
          in.cancel();
        }
      }
    }
  }
}
