package cocaine.proxy.routing;

import cocaine.proxy.pool.LocatorClient;
import cocaine.routing.Rings;
import cocaine.rpc.channel.ClientConnection;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * {@code routing}: the proxy's one subscription to the locator's {@code routing} stream
 * (docs/protocol.md 2.6), on a connection of its own. Every snapshot of the rings goes to the proxy;
 * when the stream ends or cannot be made it is made again after a back-off that doubles up to a
 * bound, and the proxy keeps the last rings meanwhile.
 */
public final class RoutingFeed {
  /** The locator's method {@code routing(router_id)}. */
  static final int ROUTING = 5;

  public sealed interface Command {}

  private record Connected(ClientConnection connection) implements Command {}

  private record ConnectFailed(Throwable cause) implements Command {}

  private record Received(ClientConnection connection, Message message) implements Command {}

  private record Ended(ClientConnection connection, Throwable failure) implements Command {}

  private record Retry() implements Command {}

  /** What the proxy hears. */
  public sealed interface Report {}

  /** The rings now, replacing all earlier ones. */
  public record Updated(Rings rings) implements Report {}

  /** No stream for now (trying again later); the last rings stay in force. */
  public record Unavailable(String why) implements Report {}

  /**
   * @param routerId   who subscribes, as the locator logs it
   * @param minBackoff wait before the first new attempt after a failure
   * @param maxBackoff longest wait between attempts
   */
  public record Options(String routerId, Duration minBackoff, Duration maxBackoff) {}

  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final LocatorClient locator;
  private final Options options;
  private final ActorRef<Report> proxy;

  private RoutingFeed(ActorContext<Command> ctx, TimerScheduler<Command> timers, LocatorClient locator,
      Options options, ActorRef<Report> proxy) {
    this.ctx = ctx;
    this.timers = timers;
    this.locator = locator;
    this.options = options;
    this.proxy = proxy;
  }

  public static Behavior<Command> create(LocatorClient locator, Options options, ActorRef<Report> proxy) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
        new RoutingFeed(ctx, timers, locator, options, proxy).connecting(options.minBackoff(), true)));
  }

  /**
   * @param backoff wait before the next attempt should this one fail
   * @param loud    log a failure at warn (the first since the stream last worked), else at debug
   */
  private Behavior<Command> connecting(Duration backoff, boolean loud) {
    CompletionStage<ClientConnection> attempt = locator.connectToLocator();
    ctx.pipeToSelf(attempt, (c, failure) -> failure == null ? new Connected(c) : new ConnectFailed(failure));
    return Behaviors.receive(Command.class)
        .onMessage(Connected.class, m -> subscribed(m.connection(), backoff, loud))
        .onMessage(ConnectFailed.class, m -> failed("cannot reach the locator at " + locator.address() + ": "
            + LocatorClient.unwrap(m.cause()).getMessage(), backoff, loud))
        .onSignal(PostStop.class, s -> {
          attempt.thenAccept(ClientConnection::close);
          return Behaviors.same();
        })
        .build();
  }

  private Behavior<Command> subscribed(ClientConnection connection, Duration backoff, boolean loud) {
    ActorRef<Command> self = ctx.getSelf();
    Message first = Message.of(ROUTING, Values.str(options.routerId()));
    // the request side stays open (never sends discard): closing the connection ends the subscription
    Source.<Message>never()
        .via(connection.channel(first, Graph.STREAMING))
        .runWith(Sink.foreach(m -> self.tell(new Received(connection, m))), ctx.getSystem())
        .whenComplete((done, failure) -> self.tell(new Ended(connection, failure)));
    return streaming(connection, backoff, loud, false);
  }

  /** @param heard a snapshot came on this stream: it worked, so its end is worth a warning */
  private Behavior<Command> streaming(ClientConnection connection, Duration backoff, boolean loud, boolean heard) {
    return Behaviors.receive(Command.class)
        .onMessage(Received.class, m -> m.connection() == connection,
            m -> onReceived(connection, m.message(), backoff, loud, heard))
        .onMessage(Ended.class, m -> m.connection() == connection, m -> ended(connection,
            m.failure() != null ? LocatorClient.unwrap(m.failure()).getMessage() : "the locator ended it", backoff,
            loud, heard))
        .onMessage(Received.class, m -> Behaviors.same()) // of a connection already given up
        .onMessage(Ended.class, m -> Behaviors.same())
        .onSignal(PostStop.class, s -> {
          connection.close();
          return Behaviors.same();
        })
        .build();
  }

  private Behavior<Command> onReceived(ClientConnection connection, Message m, Duration backoff, boolean loud,
      boolean heard) {
    if (m.type() == Graph.WRITE) {
      try {
        Rings rings = Rings.fromWrite(m.args());
        proxy.tell(new Updated(rings));
        if (!heard) {
          ctx.getLog().info("following the routing groups of the locator at {} as '{}' ({} groups)",
              locator.address(), options.routerId(), rings.groups().size());
        }
        return heard ? Behaviors.same() : streaming(connection, backoff, loud, true);
      } catch (IllegalArgumentException e) {
        // a bad snapshot is the locator's bug: keep the rings we have rather than guess
        ctx.getLog().error("locator {} sent unreadable routing groups, keeping the previous ones: {}",
            locator.address(), e.getMessage());
        return Behaviors.same();
      }
    }
    String why = m.type() == Graph.ERROR ? "the locator refused it: " + m.toException().getMessage()
        : "the locator closed it";
    return ended(connection, why, backoff, loud, heard);
  }

  private Behavior<Command> ended(ClientConnection connection, String why, Duration backoff, boolean loud,
      boolean heard) {
    connection.close();
    // a stream that delivered something worked: the next attempt starts from the shortest wait
    return failed("the routing stream from " + locator.address() + " ended: " + why,
        heard ? options.minBackoff() : backoff, loud || heard);
  }

  private Behavior<Command> failed(String why, Duration backoff, boolean loud) {
    if (loud) {
      ctx.getLog().warn("{}; routing groups keep their last rings, trying again in {} ms (then up to every {} ms)",
          why, backoff.toMillis(), options.maxBackoff().toMillis());
    } else {
      ctx.getLog().debug("{}; trying again in {} ms", why, backoff.toMillis());
    }
    proxy.tell(new Unavailable(why));
    timers.startSingleTimer(new Retry(), backoff);
    Duration next = backoff.multipliedBy(2).compareTo(options.maxBackoff()) > 0 ? options.maxBackoff()
        : backoff.multipliedBy(2);
    return Behaviors.receive(Command.class)
        .onMessage(Retry.class, r -> connecting(next, false))
        .onMessage(Received.class, m -> Behaviors.same())
        .onMessage(Ended.class, m -> Behaviors.same())
        .build();
  }
}
