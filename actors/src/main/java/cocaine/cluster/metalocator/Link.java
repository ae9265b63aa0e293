package cocaine.cluster.metalocator;

import cocaine.locator.Endpoint;
import cocaine.locator.LocatorService;
import cocaine.rpc.channel.ClientConnection;
import cocaine.rpc.transport.ConnectionSettings;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.typed.javadsl.ActorSink;

/**
 * Follows one node for the {@link Metalocator} (docs/protocol.md 5.3): connects to the first reachable
 * endpoint of its locator, calls {@code connect(own uuid)} and reports the snapshot and every
 * change. The stream is consumed with backpressure: the metalocator acks each write it handled.
 * A close, error or disconnect withdraws the whole node and reconnects after 1, 2, 4 ... 32 s; a
 * node that does not send its snapshot within the handshake timeout is dropped the same way.
 */
final class Link {
  sealed interface Command {}

  /** The metalocator handled a write; the next one may come. */
  enum Ack { INSTANCE }

  private record Connected(long attempt, ClientConnection connection) implements Command {}

  private record ConnectFailed(long attempt, Throwable failure) implements Command {}

  private record StreamStarted(long attempt, ActorRef<Ack> ackTo) implements Command {}

  private record Got(long attempt, Message message, ActorRef<Ack> ackTo) implements Command {}

  private record StreamEnded(long attempt, Throwable failure) implements Command {}

  private record HandshakeTimedOut(long attempt) implements Command {}

  private enum Retry implements Command { INSTANCE }

  private static final String HANDSHAKE = "handshake";

  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final String ownUuid;
  private final String node;
  private final List<Endpoint> endpoints;
  private final ActorRef<Metalocator.Command> metalocator;
  private final LinkSettings settings;
  private final ConnectionSettings connection;

  private Link(ActorContext<Command> ctx, TimerScheduler<Command> timers, String ownUuid, String node,
      List<Endpoint> endpoints, ActorRef<Metalocator.Command> metalocator, LinkSettings settings,
      ConnectionSettings connection) {
    this.ctx = ctx;
    this.timers = timers;
    this.ownUuid = ownUuid;
    this.node = node;
    this.endpoints = List.copyOf(endpoints);
    this.metalocator = metalocator;
    this.settings = settings;
    this.connection = connection;
  }

  /**
   * @param ownUuid the metalocator's node id, sent in {@code connect}
   * @param node the followed node's uuid; a write naming another uuid drops the node
   * @param endpoints the node's locator endpoints, tried in order
   */
  static Behavior<Command> create(String ownUuid, String node, List<Endpoint> endpoints,
      ActorRef<Metalocator.Command> metalocator, LinkSettings settings, ConnectionSettings connection) {
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("node '" + node + "' has no locator endpoint");
    }
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      ctx.setLoggerName(Link.class);
      return new Link(ctx, timers, ownUuid, node, endpoints, metalocator, settings, connection).connect(1, 0);
    }));
  }

  /** Starts attempt number {@code attempt}, after {@code failures} failures in a row. */
  private Behavior<Command> connect(long attempt, int failures) {
    timers.startSingleTimer(HANDSHAKE, new HandshakeTimedOut(attempt), settings.handshakeTimeout());
    CompletionStage<ClientConnection> connecting = connectFirst(0);
    ctx.pipeToSelf(connecting, (conn, failure) -> conn != null
        ? new Connected(attempt, conn) : new ConnectFailed(attempt, failure));
    return connecting(attempt, failures, connecting);
  }

  private CompletionStage<ClientConnection> connectFirst(int i) {
    Endpoint e = endpoints.get(i);
    CompletionStage<ClientConnection> c = ClientConnection.connect(ctx.getSystem(), e.host(), e.port(), connection);
    return i + 1 == endpoints.size() ? c : c.exceptionallyCompose(failure -> connectFirst(i + 1));
  }

  private Behavior<Command> connecting(long attempt, int failures, CompletionStage<ClientConnection> pending) {
    return Behaviors.receive(Command.class)
        .onMessage(Connected.class, m -> m.attempt() == attempt ? subscribe(attempt, failures, m.connection()) : stale(m))
        .onMessage(ConnectFailed.class, m -> m.attempt() == attempt
            ? failed(attempt, failures + 1, null, "cannot connect to " + endpoints + ": " + text(m.failure()), false)
            : Behaviors.same())
        .onMessage(HandshakeTimedOut.class, m -> m.attempt() == attempt
            ? failed(attempt, failures + 1, null, "no TCP connection to " + endpoints + " within "
                + settings.handshakeTimeout() + ": dropped", true)
            : Behaviors.same())
        .onMessage(Got.class, this::ackStale)
        .onSignal(PostStop.class, s -> {
          pending.thenAccept(ClientConnection::close); // stopped while connecting: do not leak it
          return Behaviors.same();
        })
        .onAnyMessage(m -> Behaviors.same()) // the rest of an attempt given up
        .build();
  }

  private Behavior<Command> subscribe(long attempt, int failures, ClientConnection conn) {
    ActorRef<Command> self = ctx.getSelf();
    Source.<Message>empty()
        .via(conn.channel(Message.of(LocatorService.CONNECT, Values.str(ownUuid)), Graph.STREAMING))
        .runWith(ActorSink.<Message, Command, Ack>actorRefWithBackpressure(self,
            (ackTo, message) -> new Got(attempt, message, ackTo),
            ackTo -> new StreamStarted(attempt, ackTo),
            Ack.INSTANCE,
            new StreamEnded(attempt, null),
            failure -> new StreamEnded(attempt, failure)), ctx.getSystem());
    return awaitingSnapshot(attempt, failures, conn);
  }

  private Behavior<Command> awaitingSnapshot(long attempt, int failures, ClientConnection conn) {
    return Behaviors.receive(Command.class)
        .onMessage(StreamStarted.class, m -> ack(m.attempt(), m.ackTo()))
        .onMessage(Got.class, m -> m.attempt() != attempt ? ackStale(m) : onFirst(attempt, failures, conn, m))
        .onMessage(StreamEnded.class, m -> m.attempt() == attempt
            ? failed(attempt, failures + 1, conn, ended(conn, m.failure()), false) : Behaviors.same())
        .onMessage(HandshakeTimedOut.class, m -> m.attempt() == attempt
            ? failed(attempt, failures + 1, conn, "did not answer connect at " + conn.address() + " within "
                + settings.handshakeTimeout() + ": dropped", true)
            : Behaviors.same())
        .onMessage(Connected.class, this::stale)
        .onSignal(PostStop.class, s -> closed(conn))
        .onAnyMessage(m -> Behaviors.same()) // the rest of an attempt given up
        .build();
  }

  private Behavior<Command> onFirst(long attempt, int failures, ClientConnection conn, Got m) {
    if (m.message().type() != Graph.WRITE) {
      m.ackTo().tell(Ack.INSTANCE);
      return failed(attempt, failures + 1, conn, terminal(conn, m.message()), false);
    }
    ConnectWrite write;
    try {
      write = ConnectWrite.parse(m.message());
    } catch (IllegalArgumentException e) {
      m.ackTo().tell(Ack.INSTANCE);
      return failed(attempt, failures + 1, conn, "sent a malformed connect write: " + e.getMessage(), false);
    }
    if (!write.uuid().equals(node)) {
      m.ackTo().tell(Ack.INSTANCE);
      conn.close();
      metalocator.tell(new Metalocator.Refused(node, ctx.getSelf(), "the locator at " + conn.address()
          + " says it is node '" + write.uuid() + "'"));
      return Behaviors.stopped();
    }
    timers.cancel(HANDSHAKE);
    ctx.getLog().info("metalocator: linked node '{}' at {}: {} services", node, conn.address(), write.services().size());
    metalocator.tell(new Metalocator.Linked(node, ctx.getSelf(), endpointOf(conn), write, m.ackTo()));
    return linked(attempt, conn);
  }

  private Behavior<Command> linked(long attempt, ClientConnection conn) {
    return Behaviors.receive(Command.class)
        .onMessage(Got.class, m -> m.attempt() != attempt ? ackStale(m) : onUpdate(attempt, conn, m))
        .onMessage(StreamEnded.class, m -> m.attempt() == attempt
            ? failed(attempt, 1, conn, ended(conn, m.failure()), false) : Behaviors.same())
        .onMessage(StreamStarted.class, m -> ack(m.attempt(), m.ackTo()))
        .onMessage(Connected.class, this::stale)
        .onSignal(PostStop.class, s -> closed(conn))
        .onAnyMessage(m -> Behaviors.same()) // the rest of an attempt given up
        .build();
  }

  private Behavior<Command> onUpdate(long attempt, ClientConnection conn, Got m) {
    if (m.message().type() != Graph.WRITE) {
      m.ackTo().tell(Ack.INSTANCE);
      return failed(attempt, 1, conn, terminal(conn, m.message()), false);
    }
    ConnectWrite write;
    try {
      write = ConnectWrite.parse(m.message());
    } catch (IllegalArgumentException e) {
      m.ackTo().tell(Ack.INSTANCE);
      return failed(attempt, 1, conn, "sent a malformed connect write: " + e.getMessage(), false);
    }
    if (!write.uuid().equals(node)) {
      m.ackTo().tell(Ack.INSTANCE);
      conn.close();
      metalocator.tell(new Metalocator.Refused(node, ctx.getSelf(), "the locator at " + conn.address()
          + " now says it is node '" + write.uuid() + "'"));
      return Behaviors.stopped();
    }
    metalocator.tell(new Metalocator.Changed(node, ctx.getSelf(), write, m.ackTo()));
    return Behaviors.same();
  }

  /** Withdraws the node (if it was linked), closes the connection and waits before attempt + 1. */
  private Behavior<Command> failed(long attempt, int failures, ClientConnection conn, String reason, boolean warn) {
    timers.cancel(HANDSHAKE);
    if (conn != null) {
      conn.close();
    }
    java.time.Duration delay = settings.backoff(failures);
    if (warn || failures <= 1) {
      ctx.getLog().warn("metalocator: node '{}' {}; reconnecting in {}", node, reason, delay);
    } else {
      ctx.getLog().info("metalocator: node '{}' {}; reconnecting in {} ({} failures in a row)", node, reason, delay, failures);
    }
    metalocator.tell(new Metalocator.Unlinked(node, ctx.getSelf(), reason));
    timers.startSingleTimer(Retry.INSTANCE, delay);
    return waiting(attempt, failures);
  }

  private Behavior<Command> waiting(long attempt, int failures) {
    return Behaviors.receive(Command.class)
        .onMessageEquals(Retry.INSTANCE, () -> connect(attempt + 1, failures))
        .onMessage(Got.class, this::ackStale)
        .onMessage(Connected.class, this::stale)
        .onMessage(StreamStarted.class, m -> ack(m.attempt(), m.ackTo()))
        .onAnyMessage(m -> Behaviors.same()) // the rest of an attempt given up
        .build();
  }

  private Behavior<Command> ack(long attempt, ActorRef<Ack> ackTo) {
    ackTo.tell(Ack.INSTANCE);
    return Behaviors.same();
  }

  /** A write of an earlier connection: let its stream drain. */
  private Behavior<Command> ackStale(Got m) {
    m.ackTo().tell(Ack.INSTANCE);
    return Behaviors.same();
  }

  /** A connection that completed after its attempt was given up. */
  private Behavior<Command> stale(Connected m) {
    m.connection().close();
    return Behaviors.same();
  }

  private Behavior<Command> closed(ClientConnection conn) {
    conn.close();
    return Behaviors.same();
  }

  private static String terminal(ClientConnection conn, Message m) {
    if (m.type() == Graph.CLOSE) {
      return "closed its connect stream at " + conn.address();
    }
    return "answered connect at " + conn.address() + " with error: " + m.toException().getMessage();
  }

  private static String ended(ClientConnection conn, Throwable failure) {
    return failure == null ? "ended its connect stream at " + conn.address()
        : "disconnected at " + conn.address() + ": " + text(failure);
  }

  private static Endpoint endpointOf(ClientConnection conn) {
    String address = conn.address();
    int colon = address.lastIndexOf(':');
    return new Endpoint(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)));
  }

  private static String text(Throwable t) {
    Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    return c.getMessage() != null ? c.getMessage() : c.toString();
  }
}
