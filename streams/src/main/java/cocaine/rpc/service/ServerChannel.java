package cocaine.rpc.service;

import cocaine.rpc.channel.ChannelInlet;
import cocaine.rpc.channel.ChannelTable;
import cocaine.rpc.channel.Handoff;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import java.util.ArrayDeque;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.InHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One live channel of a server connection, both ways: the client's messages go to the service's
 * {@code rest} within its handoff window, at most {@code channelBuffer} more wait here, and the
 * service's replies go out while the method's upstream graph allows them. The two sides end
 * independently; {@link ServerChannels} forgets the channel when both have. Used on the
 * connection stage's thread only.
 */
final class ServerChannel {
  private static final Logger log = LoggerFactory.getLogger(ServerConnection.class);

  /**
   * Where the client's side stands, towards the service's {@code rest}. {@link #deliver} moves OPEN
   * to HELD when a message fills the window, OPEN to CLOSED on the client's last message (handed
   * over at once) and HELD to ENDING on it. {@link #windowOpened} hands waiting messages over: HELD
   * becomes OPEN once none wait, ENDING becomes CLOSED once the last is handed over. The service
   * failing the channel, {@link #restCancelled}, {@link #refused} (unless ENDING) and
   * {@link #disconnected} close it at once.
   */
  enum Dispatch {
    /** The service takes the client's messages as they come; none wait here. */
    OPEN,
    /** The handoff window is full: the client's next messages wait here until the service takes some. */
    HELD,
    /** The client's last message waits here behind a full window; {@code rest} completes after it. */
    ENDING,
    /**
     * {@code rest} completed, failed or was cancelled, or there never was one (the method's dispatch
     * was terminal at once): the client's messages are dropped.
     */
    CLOSED
  }

  /** What a channel needs from its connection's stage; called on that stage's thread. */
  interface Connection {
    /** The service's name, for logs. */
    String service();

    /** A feed for the channel's {@code rest} whose callbacks reach the channel on the stage's thread. */
    Handoff.Feed<Message> newRest(ServerChannel channel);

    /** A client message now waits in a channel: it counts against {@code maxBytesInFlight}. */
    void held(Message message);

    /** A waiting client message was handed to the service or dropped. */
    void released(Message message);

    /** A channel's waiting messages reached {@code channelBuffer} (true) or went below it again. */
    void saturated(boolean full);

    /** Queues a frame for the peer; {@link ServerChannel#written} on its owner follows when it went out. */
    void send(Frame frame, ServerChannel owner);

    /** Something that held the reads back may have gone. */
    void readsMayResume();

    /** The channel's upstream may have ended: forget the channel if the client's side is over too. */
    void forgetIfDone(ServerChannel channel);
  }

  private final long id;
  private final String peer;
  private final int channelBuffer;
  private final Connection connection;
  /** Null when the method's dispatch is terminal: the service got an empty {@code rest}. */
  private final Handoff.Feed<Message> rest;
  private final ArrayDeque<Message> waiting = new ArrayDeque<>();
  private Dispatch dispatch;
  /** Counted in the connection's saturated channels: {@code waiting} held {@code channelBuffer} or more. */
  private boolean saturating;
  private ChannelInlet<Message> upstream;
  /** What the service may still send: a state of the method's upstream graph; terminal when nothing. */
  private Graph allowed;

  /**
   * @param clientContinues whether the client's first message left its side open; if not, the
   *     channel has no {@code rest}
   */
  ServerChannel(ChannelContext context, Graph upstreamGraph, boolean clientContinues, int channelBuffer,
      Connection connection) {
    this.id = context.channel();
    this.peer = context.peer();
    this.channelBuffer = channelBuffer;
    this.connection = connection;
    this.allowed = upstreamGraph;
    this.rest = clientContinues ? connection.newRest(this) : null;
    this.dispatch = clientContinues ? Dispatch.OPEN : Dispatch.CLOSED;
  }

  long id() {
    return id;
  }

  Dispatch dispatch() {
    return dispatch;
  }

  /** The client's side as the service reads it; null when the channel has none. */
  Handoff.Feed<Message> rest() {
    return rest;
  }

  /** Nothing more may be sent to the client on this channel. */
  boolean repliesEnded() {
    return allowed.isTerminal();
  }

  /** The service's upstream is over: it sent its last message, failed, or we stopped reading it. */
  boolean upstreamClosed() {
    return upstream.isClosed();
  }

  /** Reads the service's upstream from {@code inlet}; the caller attaches or pulls it. */
  void readFrom(ChannelInlet<Message> inlet) {
    upstream = inlet;
    inlet.setHandler(upstreamHandler());
  }

  // The client's side.

  /** A client message the channel table let through; {@code last} ends the client's side. */
  void deliver(Message message, boolean last) {
    if (dispatch == Dispatch.CLOSED) {
      log.debug("dropped message type {} on channel {} of {}: service '{}' no longer reads it", message.type(),
          id, peer, connection.service());
      return;
    }
    waiting.add(message);
    connection.held(message);
    boolean room = dispatch == Dispatch.OPEN;
    if (last) {
      dispatch = Dispatch.ENDING;
    }
    if (room) {
      handOver();
    } else {
      updateSaturation();
    }
  }

  /** The service took messages from a full handoff window. */
  void windowOpened() {
    if (dispatch == Dispatch.HELD || dispatch == Dispatch.ENDING) {
      handOver();
    }
    connection.readsMayResume();
  }

  /** The service stopped reading {@code rest}: what still waits is dropped. */
  void restCancelled() {
    dispatch = Dispatch.CLOSED;
    if (!waiting.isEmpty()) {
      log.debug("service '{}' stopped reading channel {} of {}; {} messages dropped", connection.service(), id,
          peer, waiting.size());
    }
    dropWaiting();
    updateSaturation();
    connection.readsMayResume();
  }

  /**
   * The channel table refused a client frame: a client side still open fails with the refusal (one
   * whose last message is in keeps it), and the refusal is our last word on the channel.
   */
  void refused(ChannelTable.Reject reject) {
    CocaineException error = new CocaineException(reject.code(), reject.reason());
    if (dispatch == Dispatch.OPEN || dispatch == Dispatch.HELD) {
      failRest(error);
    }
    if (repliesEnded()) {
      log.debug("cannot tell {} about the refusal on channel {}: its upstream has ended", peer, id);
    }
    endWith(Message.error(error));
  }

  /** The connection is gone: a service still reading {@code rest} sees {@code gone}, its upstream is cancelled. */
  void disconnected(CocaineException gone) {
    if (dispatch != Dispatch.CLOSED) {
      dispatch = Dispatch.CLOSED;
      rest.fail(gone);
    }
    if (!upstream.isClosed()) {
      upstream.cancel();
    }
  }

  /** Hands waiting messages over until the window fills; completes {@code rest} after the client's last. */
  private void handOver() {
    boolean ending = dispatch == Dispatch.ENDING;
    boolean full = false;
    while (!full && !waiting.isEmpty()) {
      Message m = waiting.poll();
      connection.released(m);
      full = !rest.offer(m);
    }
    if (ending && waiting.isEmpty()) {
      dispatch = Dispatch.CLOSED;
      rest.complete();
    } else if (full) {
      dispatch = ending ? Dispatch.ENDING : Dispatch.HELD;
    } else {
      dispatch = Dispatch.OPEN;
    }
    updateSaturation();
  }

  /**
   * The service failed the channel: it is done with it, so the client's later messages are
   * dropped instead of piling up unread (past {@code channelBuffer} they would stop the whole
   * connection's reads). A service that had taken the client's side sees the failure there.
   */
  private void stopReading(Throwable cause) {
    if (dispatch == Dispatch.CLOSED) {
      return;
    }
    failRest(cause);
    connection.readsMayResume();
  }

  private void failRest(Throwable cause) {
    dispatch = Dispatch.CLOSED;
    dropWaiting();
    updateSaturation();
    rest.fail(cause);
  }

  private void dropWaiting() {
    for (Message m : waiting) {
      connection.released(m);
    }
    waiting.clear();
  }

  private void updateSaturation() {
    boolean full = waiting.size() >= channelBuffer;
    if (full != saturating) {
      saturating = full;
      connection.saturated(full);
    }
  }

  // The service's side.

  private InHandler upstreamHandler() {
    return new AbstractInHandler() {
      @Override
      public void onPush() {
        replied(upstream.grab());
      }

      @Override
      public void onUpstreamFinish() {
        serviceFinished();
      }

      @Override
      public void onUpstreamFailure(Throwable ex) {
        serviceFailed(ex);
      }
    };
  }

  /** The service sent a message: out to the client if the upstream graph allows it now, else dropped. */
  private void replied(Message m) {
    Graph next = allowed.after(m.type());
    if (next == null) {
      log.warn("service '{}' sent message type {} on channel {} of {}, not allowed now (allowed: {}); dropped",
          connection.service(), m.type(), id, peer, repliesEnded() ? "nothing" : allowed.edges().keySet());
      if (!upstream.isClosed()) {
        upstream.pull();
      }
      return;
    }
    allowed = next;
    if (next.isTerminal()) {
      upstream.cancel();
      connection.forgetIfDone(this);
    }
    connection.send(m.on(id), this);
  }

  private void serviceFinished() {
    if (!repliesEnded()) {
      log.warn("service '{}' closed channel {} of {} without a reply", connection.service(), id, peer);
      endWith(Message.error(ErrorCode.CLOSED_UPSTREAM, "service closed the channel without a reply"));
    }
    connection.forgetIfDone(this);
  }

  private void serviceFailed(Throwable ex) {
    stopReading(ex);
    String service = connection.service();
    if (repliesEnded()) {
      log.debug("service '{}' failed channel {} of {} after its end", service, id, peer, ex);
    } else if (ex instanceof CocaineException ce) {
      log.debug("service '{}' answers channel {} of {} with {} {}", service, id, peer, ce.code(),
          ce.getMessage());
      endWith(Message.error(ce));
    } else {
      log.error("uncaught error in service '{}' on channel {} of {}", service, id, peer, ex);
      String what = ex.getMessage() != null ? ex.getMessage() : ex.getClass().getName();
      endWith(Message.error(ErrorCode.UNCAUGHT, "uncaught error: " + what));
    }
    connection.forgetIfDone(this);
  }

  /** Our last word on the channel (an error), if its upstream graph still allows one. */
  private void endWith(Message error) {
    if (repliesEnded()) {
      return;
    }
    Graph before = allowed;
    // ended before the send: a frame written at once must not ask the service for more
    allowed = Graph.TERMINAL;
    Graph.Edge edge = before.edge(error.type());
    if (edge != null && edge.name().equals("error")) {
      connection.send(error.on(id), this);
    } else {
      log.warn("cannot send {} on channel {} of {}: its upstream state has no error (allowed: {})", error.args(), id,
          peer, before.edges().keySet());
    }
    if (!upstream.isClosed()) {
      upstream.cancel();
    }
  }

  /** One of this channel's frames went out: ask the service for the next one. */
  void written() {
    if (!repliesEnded() && !upstream.isClosed() && !upstream.hasBeenPulled()) {
      upstream.pull();
    }
  }
}
