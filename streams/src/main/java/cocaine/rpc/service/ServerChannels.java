package cocaine.rpc.service;

import cocaine.rpc.channel.ChannelInlet;
import cocaine.rpc.channel.ChannelTable;
import cocaine.rpc.channel.FeedInlet;
import cocaine.rpc.channel.Handoff;
import cocaine.rpc.transport.ConnectionSettings;
import cocaine.rpc.transport.WireBudget;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.Header;
import cocaine.wire.Message;
import cocaine.wire.Signature;
import cocaine.wire.WireException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.msgpack.value.Value;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The channel layer of one server connection: checks incoming frames with a {@link ChannelTable},
 * decodes each call's arguments with its method's {@link Signature}, opens a {@link Service} channel
 * per new id, hands later messages to that channel's {@code rest}
 * and writes its upstream back as frames, never outside the upstream graph. Breaches are answered
 * on their channel; the connection goes on. All buffers are bounded: {@code channelBuffer} messages
 * per channel towards the service (plus {@link #HANDOFF_WINDOW} handed to it ahead of its demand),
 * one message per channel towards the peer, a few refusals, and {@code maxBytesInFlight} for all of
 * them together (reads stop while it is reached); the same bytes count against the process's
 * {@link WireBudget#messages()}, all connections together. A call with no reply at all (dispatch and upstream
 * terminal, like logging's {@code emit}) takes no channel slot. Each live channel is a
 * {@link ServerChannel}.
 */
public final class ServerChannels extends GraphStage<FlowShape<Frame, Frame>> {
  private static final Logger log = LoggerFactory.getLogger(ServerConnection.class);
  /** Refusals waiting for the output before reads stop: a peer that floods breaches must also read. */
  private static final int MAX_PENDING_REFUSALS = 16;
  /**
   * Client messages handed to a service ahead of its demand, per channel; more wait here, counted
   * against {@code channelBuffer} and {@code maxBytesInFlight}, like messages a service has pulled.
   */
  static final int HANDOFF_WINDOW = 4;

  private final Service service;
  private final ConnectionSettings settings;
  private final long connectionId;
  private final String peer;
  private final WireBudget budget;
  private final Inlet<Frame> in = Inlet.create("ServerChannels.in");
  private final Outlet<Frame> out = Outlet.create("ServerChannels.out");
  private final FlowShape<Frame, Frame> shape = FlowShape.of(in, out);

  ServerChannels(Service service, ConnectionSettings settings, long connectionId, String peer) {
    this(service, settings, connectionId, peer, WireBudget.messages());
  }

  /** @param budget where this connection's held messages count with every other connection's */
  ServerChannels(Service service, ConnectionSettings settings, long connectionId, String peer, WireBudget budget) {
    this.service = service;
    this.settings = settings;
    this.connectionId = connectionId;
    this.peer = peer;
    this.budget = budget;
  }

  @Override
  public FlowShape<Frame, Frame> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes attributes) {
    return new Logic();
  }

  /** A frame waiting for the output; {@code owner} is null for a refusal on no live channel. */
  private record Queued(Frame frame, ServerChannel owner) {}

  private final class Logic extends GraphStageLogic implements ServerChannel.Connection {
    private final ChannelTable table = new ChannelTable(service.name(), service.protocol());
    /** A service took messages from a channel whose handoff window was full. */
    private final AsyncCallback<ServerChannel> resumed = createAsyncCallback(ServerChannel::windowOpened);
    /** Upstream elements of the channels served without a sub-stream ({@link FeedInlet}). */
    private final AsyncCallback<Object> routed = createAsyncCallback(FeedInlet::dispatch);
    /** A service stopped reading a channel. */
    private final AsyncCallback<ServerChannel> cancelled = createAsyncCallback(ServerChannel::restCancelled);
    /** The process's message budget has room again. */
    private final AsyncCallback<Boolean> budgetFreed = createAsyncCallback(b -> pullIfReady());
    private final Runnable wakeUp = () -> budgetFreed.invoke(Boolean.TRUE);
    private final Map<Long, ServerChannel> live = new HashMap<>();
    /** Methods whose ignored extra arguments were logged on this connection. */
    private final Set<Integer> extrasTold = new HashSet<>();
    private final ArrayDeque<Queued> output = new ArrayDeque<>();
    private int pendingRefusals;
    /** Channels whose buffer towards the service is full; reads stop while any is. */
    private int saturated;
    /** Weight of the messages waiting in every channel and in {@link #output}; counted in {@link #budget} too. */
    private long inFlight;

    Logic() {
      super(shape);
      setHandler(in, new AbstractInHandler() {
        @Override
        public void onPush() {
          onFrame(grab(in));
          pullIfReady();
        }

        @Override
        public void onUpstreamFinish() {
          log.debug("{} closed its connection to '{}'", peer, service.name());
          shutdown();
        }

        @Override
        public void onUpstreamFailure(Throwable ex) {
          if (ex instanceof WireException) {
            log.warn("closing connection from {} to '{}': {} {}", peer, service.name(),
                ((WireException) ex).code(), ex.getMessage());
          } else {
            log.warn("closing connection from {} to '{}': {}", peer, service.name(), ex.toString());
          }
          shutdown();
        }
      });
      setHandler(out, new AbstractOutHandler() {
        @Override
        public void onPull() {
          emitOutput();
        }

        @Override
        public void onDownstreamFinish(Throwable cause) {
          log.debug("connection from {} to '{}' can no longer be written", peer, service.name());
          shutdown();
        }
      });
    }

    @Override
    public void preStart() {
      pull(in);
    }

    @Override
    public void postStop() {
      budget.give(inFlight);
      inFlight = 0;
    }

    /** The messages held by this connection grew (or shrank, when negative) by {@code bytes}. */
    private void hold(long bytes) {
      inFlight += bytes;
      if (bytes >= 0) {
        budget.take(bytes);
      } else {
        budget.give(-bytes);
      }
    }

    /**
     * Ends the connection. Services still reading a channel see the disconnect as a failure of
     * {@code rest}; this must happen before the stage stops, which would complete them normally.
     */
    private void shutdown() {
      CocaineException gone = new CocaineException(ErrorCode.NOT_CONNECTED, "client " + peer + " disconnected");
      for (ServerChannel c : new ArrayList<>(live.values())) {
        c.disconnected(gone);
      }
      live.clear();
      completeStage();
    }

    private void onFrame(Frame frame) {
      ChannelTable.Verdict verdict = table.accept(frame);
      if (verdict instanceof ChannelTable.Open open) {
        open(open);
      } else if (verdict instanceof ChannelTable.Deliver deliver) {
        ServerChannel c = live.get(deliver.channel());
        if (c != null) {
          c.deliver(deliver.message(), deliver.last());
        }
      } else {
        refuse((ChannelTable.Reject) verdict);
      }
      ServerChannel c = live.get(verdict.channel());
      if (c != null) {
        forgetIfDone(c);
      }
    }

    private void open(ChannelTable.Open open) {
      long id = open.channel();
      Message first;
      CocaineException refused = null;
      try {
        first = decoded(open);
      } catch (CocaineException e) {
        log.warn("refused a call from {} on channel {} of '{}': {} {}", peer, id, service.name(), e.code(), e.getMessage());
        refused = e;
        first = open.message();
      }
      if (open.last() && open.method().upstream().isTerminal()) {
        if (refused == null) {
          openNoReply(open.channel(), first);
        }
        return;
      }
      if (live.size() >= settings.maxChannels()) {
        table.end(id);
        refuse(new ChannelTable.Reject(id, ErrorCode.TRY_AGAIN, "too many open channels on this connection (limit "
            + settings.maxChannels() + "); retry when some of them end"));
        return;
      }
      ChannelContext context = new ChannelContext(connectionId, peer, id);
      ServerChannel c = new ServerChannel(context, open.method().upstream(), !open.last(), settings.channelBuffer(),
          this);
      live.put(id, c);
      Source<Message, NotUsed> rest;
      if (open.last()) {
        rest = Source.empty();
      } else {
        if (refused == null && service instanceof DirectService direct && openDirect(direct, c, context, first)) {
          return;
        }
        rest = Source.fromGraph(new Handoff<>(c.rest()));
      }
      SubSinkInlet<Message> inlet = new SubSinkInlet<>("upstream-" + id);
      ChannelInlet<Message> upstream = ChannelInlet.of(inlet);
      c.readFrom(upstream);
      Source<Message, NotUsed> replies;
      try {
        replies = refused != null ? Source.failed(refused)
            : Objects.requireNonNull(service.open(context, first, rest), "service returned no upstream");
      } catch (RuntimeException e) {
        replies = Source.failed(e);
      }
      try {
        replies.runWith(inlet.sink(), subFusingMaterializer());
      } catch (RuntimeException e) {
        Source.<Message>failed(e).runWith(inlet.sink(), subFusingMaterializer());
      }
      upstream.pull();
    }

    /**
     * The call with its arguments as its method takes them (docs/protocol.md 2.6): extras are ignored,
     * told once per method on this connection; a refusal names the argument.
     */
    private Message decoded(ChannelTable.Open open) {
      Message call = open.message();
      Signature.Decoded decoded = open.method().decode(service.name(), call.args());
      if (!decoded.ignored().isEmpty() && extrasTold.add(open.method().id())) {
        log.info("{}.{} from {} ignores {} argument(s) {} beyond {}, as the original runtime does; not told again on this"
            + " connection", service.name(), open.method().name(), peer, decoded.ignored().size(),
            Signature.describe(decoded.ignored()), open.method().signature());
      }
      return decoded.args().size() == call.args().size() ? call : new Message(call.type(), decoded.args(), call.headers());
    }

    /** Serves the channel without a sub-stream if the service can; false: serve it with {@code open}. */
    private boolean openDirect(DirectService direct, ServerChannel c, ChannelContext context, Message first) {
      Handoff.Feed<Message> upstream;
      try {
        upstream = direct.openDirect(context, first, c.rest());
      } catch (RuntimeException e) {
        upstream = new Handoff.Feed<>(1, () -> {}, cause -> {});
        upstream.fail(e);
      }
      if (upstream == null) {
        return false;
      }
      FeedInlet<Message> inlet = new FeedInlet<>(upstream, routed);
      c.readFrom(inlet);
      inlet.attach();
      if (!inlet.isClosed() && !inlet.hasBeenPulled()) {
        inlet.pull();
      }
      return true;
    }

    /**
     * A call that can neither be continued nor answered (logging's {@code emit}): the service does
     * its work, and the channel takes no slot, so a busy connection's fire-and-forget calls are
     * never refused for lack of one (their refusal could not even be told to the peer). Whatever the
     * service's upstream carries is dropped: the graph allows nothing.
     */
    private void openNoReply(long id, Message first) {
      Source<Message, NotUsed> upstream;
      try {
        upstream = Objects.requireNonNull(service.open(new ChannelContext(connectionId, peer, id), first,
            Source.empty()), "service returned no upstream");
      } catch (RuntimeException e) {
        log.warn("service '{}' failed the no-reply call on channel {} of {}", service.name(), id, peer, e);
        return;
      }
      upstream.runWith(Sink.ignore(), subFusingMaterializer()).whenComplete((done, e) -> {
        if (e != null) {
          log.debug("service '{}' failed the no-reply call on channel {} of {}: {}", service.name(), id, peer, e.toString());
        }
      });
    }

    private void refuse(ChannelTable.Reject reject) {
      log.warn("refused a frame from {} on channel {} of '{}': {} {}", peer, reject.channel(), service.name(),
          reject.code(), reject.reason());
      ServerChannel c = live.get(reject.channel());
      if (c == null) {
        pendingRefusals++;
        send(reject.errorFrame(), null);
        return;
      }
      c.refused(reject);
    }

    @Override
    public void send(Frame frame, ServerChannel owner) {
      output.add(new Queued(frame, owner));
      hold(weight(frame.args(), frame.headers()));
      emitOutput();
    }

    private void emitOutput() {
      if (!isAvailable(out) || output.isEmpty()) {
        return;
      }
      Queued q = output.poll();
      hold(-weight(q.frame().args(), q.frame().headers()));
      push(out, q.frame());
      if (q.owner() == null) {
        pendingRefusals--;
      } else {
        q.owner().written();
      }
      pullIfReady();
    }

    private void pullIfReady() {
      if (!isClosed(in) && !hasBeenPulled(in) && saturated == 0 && pendingRefusals < MAX_PENDING_REFUSALS
          && inFlight < settings.maxBytesInFlight() && budget.mayRead(this, inFlight > 0, wakeUp)) {
        pull(in);
      }
    }

    // What the channels ask of their connection (ServerChannel.Connection).

    @Override
    public String service() {
      return service.name();
    }

    @Override
    public Handoff.Feed<Message> newRest(ServerChannel c) {
      return new Handoff.Feed<>(HANDOFF_WINDOW, () -> resumed.invoke(c), cause -> cancelled.invoke(c));
    }

    @Override
    public void held(Message m) {
      hold(weight(m.args(), m.headers()));
    }

    @Override
    public void released(Message m) {
      hold(-weight(m.args(), m.headers()));
    }

    @Override
    public void saturated(boolean full) {
      saturated += full ? 1 : -1;
    }

    @Override
    public void readsMayResume() {
      pullIfReady();
    }

    @Override
    public void forgetIfDone(ServerChannel c) {
      if (c.upstreamClosed() && !table.isOpen(c.id())) {
        live.remove(c.id());
      }
    }
  }

  /**
   * What a buffered message costs, roughly in heap bytes: its byte strings plus a fixed cost per
   * message, value and header, so that a flood of tiny messages is bounded too.
   */
  static long weight(List<Value> args, List<Header> headers) {
    long w = 64;
    for (Value v : args) {
      w += weight(v);
    }
    for (Header h : headers) {
      w += 32 + h.name().length() + h.value().length;
    }
    return w;
  }

  private static long weight(Value v) {
    switch (v.getValueType()) {
      case STRING:
      case BINARY:
        // asByteBuffer wraps the bytes; asByteArray would copy them
        return 16 + v.asRawValue().asByteBuffer().remaining();
      case ARRAY: {
        long w = 16;
        for (Value item : v.asArrayValue()) {
          w += weight(item);
        }
        return w;
      }
      case MAP: {
        long w = 16;
        for (Map.Entry<Value, Value> e : v.asMapValue().entrySet()) {
          w += weight(e.getKey()) + weight(e.getValue());
        }
        return w;
      }
      default:
        return 16;
    }
  }
}
