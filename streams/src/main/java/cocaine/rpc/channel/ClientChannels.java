package cocaine.rpc.channel;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
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
 * The channel layer of one outbound connection: frames from the server in, frames to the server
 * out. Channels register through the materialized {@link Handle}; ids strictly increase and each
 * channel's first frame goes out in id order. A channel gets replies only as far as it has granted
 * credit; a reply for a channel without credit stops the connection's reads until it has some.
 */
public final class ClientChannels extends AbstractGraphStageWithMaterializedValue<FlowShape<Frame, Frame>, ClientChannels.Handle> {
  private static final Logger log = LoggerFactory.getLogger(ClientConnection.class);

  /** The channel's side, fed from the connection's stage; implementations are thread-safe. */
  interface Peer {
    void reply(Message message);

    /** The server's side reached a terminal message (null) or broke the protocol. */
    void end(Throwable failure);

    /** The connection is gone. */
    void lost(CocaineException cause);

    /** One request left for the server; the channel may hand over another. */
    void ack();
  }

  private sealed interface Command {}

  /** {@code then}: the channel's next messages, sent with its first in one command to the stage. */
  private record Register(long id, Message first, List<Message> then, Graph upstream, int credit, Peer peer)
      implements Command {}

  private record Send(long id, Message message) implements Command {}

  private record Credit(long id) implements Command {}

  private record Gone(long id) implements Command {}

  private record Close() implements Command {}

  private final String address;
  private final int maxChannels;
  private final Inlet<Frame> in = Inlet.create("ClientChannels.fromServer");
  private final Outlet<Frame> out = Outlet.create("ClientChannels.toServer");
  private final FlowShape<Frame, Frame> shape = FlowShape.of(in, out);

  ClientChannels(String address, int maxChannels) {
    this.address = address;
    this.maxChannels = maxChannels;
  }

  @Override
  public FlowShape<Frame, Frame> shape() {
    return shape;
  }

  @Override
  public Pair<GraphStageLogic, Handle> createLogicAndMaterializedValuePair(Attributes attributes) {
    Handle handle = new Handle();
    return Pair.create(new Logic(handle), handle);
  }

  /** Thread-safe entry to the connection's stage. */
  final class Handle {
    private final AtomicInteger live = new AtomicInteger();
    private final CompletableFuture<Done> closed = new CompletableFuture<>();
    private AsyncCallback<Command> callback;
    private long lastId;
    private boolean stopped;

    /**
     * Allocates the next id and queues the channel's first frame, then the messages {@code then}
     * as {@link #send} would; ids go out in this order.
     */
    synchronized long register(Message first, List<Message> then, Graph upstream, int credit, Peer peer) {
      if (stopped) {
        throw disconnected();
      }
      if (live.incrementAndGet() > maxChannels) {
        live.decrementAndGet();
        throw new CocaineException(ErrorCode.TRY_AGAIN, "too many open channels to " + address
            + " (limit " + maxChannels + "); retry when some of them end");
      }
      long id = ++lastId;
      // on the thread that completes it: Pekko's stage runs a plain whenComplete on the common pool,
      // which cost every request a task there and a wake-up of one of its threads
      callback.invokeWithFeedbackCompletionStage(new Register(id, first, then, upstream, credit, peer))
          .whenCompleteAsync((done, notDelivered) -> {
            if (notDelivered != null) {
              peer.lost(disconnected());
            }
          }, Runnable::run);
      return id;
    }

    void send(long id, Message message) {
      callback.invoke(new Send(id, message));
    }

    void credit(long id) {
      callback.invoke(new Credit(id));
    }

    void gone(long id) {
      callback.invoke(new Gone(id));
    }

    void close() {
      callback.invoke(new Close());
    }

    CompletableFuture<Done> closed() {
      return closed;
    }

    private synchronized void stop() {
      stopped = true;
    }
  }

  CocaineException disconnected() {
    return new CocaineException(ErrorCode.NOT_CONNECTED, "disconnected from " + address);
  }

  /** What a channel waiting in the output wants told once its frame is written. */
  private record Queued(Frame frame, Entry ackTo) {}

  private static final class Entry {
    final long id;
    final Peer peer;
    Graph upState;
    int credit;
    boolean repliesEnded;
    /** Holds one of the connection's {@code maxChannels} slots until its replies end or it is gone. */
    boolean holdsSlot = true;

    Entry(long id, Peer peer, Graph upState, int credit) {
      this.id = id;
      this.peer = peer;
      this.upState = upState;
      this.credit = credit;
    }
  }

  private final class Logic extends GraphStageLogic {
    private final Handle handle;
    private final Map<Long, Entry> entries = new HashMap<>();
    private final ArrayDeque<Queued> output = new ArrayDeque<>();
    /** A reply for a channel without credit; reads wait until that channel grants some. */
    private Frame stalled;

    Logic(Handle handle) {
      super(shape);
      this.handle = handle;
      handle.callback = createAsyncCallback(this::onCommand);
      setHandler(in, new AbstractInHandler() {
        @Override
        public void onPush() {
          route(grab(in));
          pullIfReady();
        }

        @Override
        public void onUpstreamFinish() {
          log.debug("{} closed the connection", address);
          completeStage();
        }

        @Override
        public void onUpstreamFailure(Throwable ex) {
          log.warn("connection to {} failed: {}", address, ex.toString());
          completeStage();
        }
      });
      setHandler(out, new AbstractOutHandler() {
        @Override
        public void onPull() {
          emitOutput();
        }
      });
    }

    @Override
    public void preStart() {
      pull(in);
    }

    @Override
    public void postStop() {
      handle.stop();
      CocaineException lost = disconnected();
      for (Entry e : entries.values()) {
        e.peer.lost(lost);
      }
      entries.clear();
      handle.closed.complete(Done.getInstance());
    }

    private void onCommand(Command command) {
      if (command instanceof Register r) {
        Entry e = new Entry(r.id(), r.peer(), r.upstream(), r.credit());
        entries.put(r.id(), e);
        output.add(new Queued(r.first().on(r.id()), null));
        for (Message m : r.then()) {
          output.add(new Queued(m.on(r.id()), e));
        }
        if (r.upstream().isTerminal()) {
          endReplies(e, null);
        }
        emitOutput();
      } else if (command instanceof Send s) {
        output.add(new Queued(s.message().on(s.id()), entries.get(s.id())));
        emitOutput();
      } else if (command instanceof Credit c) {
        Entry e = entries.get(c.id());
        if (e != null) {
          e.credit++;
          if (stalled != null && stalled.channel() == c.id()) {
            Frame frame = stalled;
            stalled = null;
            route(frame);
            pullIfReady();
          }
        }
      } else if (command instanceof Gone g) {
        Entry e = entries.remove(g.id());
        if (e != null) {
          releaseSlot(e);
        }
        if (stalled != null && stalled.channel() == g.id()) {
          stalled = null;
          pullIfReady();
        }
      } else if (command instanceof Close) {
        completeStage();
      }
    }

    private void route(Frame frame) {
      Entry e = entries.get(frame.channel());
      if (e == null || e.repliesEnded) {
        log.debug("dropped a reply from {} on channel {}, which is not open: {}", address, frame.channel(), frame);
        return;
      }
      Graph next = e.upState.after(frame.type());
      if (next == null) {
        log.warn("{} sent message type {} on channel {}, not allowed now (allowed: {}); channel failed", address,
            frame.type(), frame.channel(), e.upState.edges().keySet());
        endReplies(e, new CocaineException(ErrorCode.SLOT_NOT_FOUND, address + " sent message type " + frame.type()
            + " on channel " + frame.channel() + ", which is not allowed in its current state"));
        return;
      }
      if (e.credit == 0) {
        stalled = frame;
        return;
      }
      e.credit--;
      e.upState = next;
      if (next.isTerminal()) {
        // The slot goes before the reply: a caller that has its answer may open its next call at once.
        e.repliesEnded = true;
        releaseSlot(e);
      }
      e.peer.reply(frame.message());
      if (next.isTerminal()) {
        e.peer.end(null);
      }
    }

    /** Frees the slot before telling the channel, so a caller that sees the end may open another. */
    private void endReplies(Entry e, Throwable failure) {
      e.repliesEnded = true;
      releaseSlot(e);
      e.peer.end(failure);
    }

    private void releaseSlot(Entry e) {
      if (e.holdsSlot) {
        e.holdsSlot = false;
        handle.live.decrementAndGet();
      }
    }

    private void pullIfReady() {
      if (stalled == null && !isClosed(in) && !hasBeenPulled(in)) {
        pull(in);
      }
    }

    private void emitOutput() {
      if (!isAvailable(out) || output.isEmpty()) {
        return;
      }
      Queued q = output.poll();
      push(out, q.frame());
      if (q.ackTo() != null && entries.get(q.ackTo().id) == q.ackTo()) {
        q.ackTo().peer.ack();
      }
    }
  }
}
