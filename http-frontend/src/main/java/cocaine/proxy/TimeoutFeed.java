package cocaine.proxy;

import cocaine.proxy.pool.LocatorClient;
import cocaine.rpc.channel.ClientConnection;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * {@code timeouts}: keeps the proxy's {@link Timeouts} equal to the storage's {@code timeouts}
 * collection, live. It watches the collection on the storage service (method {@code watch}, pushed
 * by ZooKeeper's watches in a cluster), lists it, and reads again each key the watch names, so a
 * {@code cocaine timeouts set} applies to the next request without a restart. When the storage
 * cannot be reached it tries again after a back-off and the last timeouts stay in force.
 */
public final class TimeoutFeed {
  /** The storage collection, one key per app. */
  public static final String COLLECTION = "timeouts";
  /** The tag every key of the collection carries, so that {@code find} lists them. */
  public static final String TAG = "timeouts";
  static final int READ = 0;
  static final int FIND = 3;
  static final int WATCH = 4;

  public sealed interface Command {}

  private record Connected(ClientConnection connection) implements Command {}

  private record ConnectFailed(Throwable cause) implements Command {}

  private record Listed(ClientConnection connection, List<String> apps) implements Command {}

  private record Changed(ClientConnection connection, String app) implements Command {}

  private record Read(String app, Map<String, java.time.Duration> events) implements Command {}

  private record Unreadable(String app, String why) implements Command {}

  private record Ended(ClientConnection connection, String why) implements Command {}

  private record Retry() implements Command {}

  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final LocatorClient locator;
  private final Timeouts timeouts;
  private final Duration minBackoff;
  private final Duration maxBackoff;

  private TimeoutFeed(ActorContext<Command> ctx, TimerScheduler<Command> timers, LocatorClient locator,
      Timeouts timeouts, Duration minBackoff, Duration maxBackoff) {
    this.ctx = ctx;
    this.timers = timers;
    this.locator = locator;
    this.timeouts = timeouts;
    this.minBackoff = minBackoff;
    this.maxBackoff = maxBackoff;
  }

  static Behavior<Command> create(LocatorClient locator, Timeouts timeouts, Duration minBackoff, Duration maxBackoff) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
        new TimeoutFeed(ctx, timers, locator, timeouts, minBackoff, maxBackoff).connecting(minBackoff, true)));
  }

  private Behavior<Command> connecting(Duration backoff, boolean loud) {
    CompletionStage<ClientConnection> attempt = locator.connectToStorage();
    ctx.pipeToSelf(attempt, (c, failure) -> failure == null ? new Connected(c) : new ConnectFailed(failure));
    return Behaviors.receive(Command.class)
        .onMessage(Connected.class, m -> watching(m.connection(), backoff, loud))
        .onMessage(ConnectFailed.class, m -> failed("cannot reach the storage service through " + locator.address()
            + ": " + LocatorClient.unwrap(m.cause()).getMessage(), backoff, loud))
        .onSignal(PostStop.class, s -> {
          attempt.thenAccept(ClientConnection::close);
          return Behaviors.same();
        })
        .build();
  }

  private Behavior<Command> watching(ClientConnection connection, Duration backoff, boolean loud) {
    ActorRef<Command> self = ctx.getSelf();
    // watch first, then list: a change made in between is read twice rather than missed
    Source.<Message>never()
        .via(connection.channel(Message.of(WATCH, Values.str(COLLECTION)), Graph.STREAMING))
        .runWith(Sink.foreach(m -> {
          if (m.type() == Graph.WRITE) {
            self.tell(new Changed(connection, Values.asString(m.args().get(0))));
          } else {
            self.tell(new Ended(connection, m.type() == Graph.ERROR ? "the storage refused it: "
                + m.toException().getMessage() : "the storage closed it"));
          }
        }), ctx.getSystem())
        .whenComplete((done, failure) -> self.tell(new Ended(connection, failure == null ? "it ended"
            : LocatorClient.unwrap(failure).getMessage())));
    ctx.pipeToSelf(connection.call(FIND, Values.str(COLLECTION), Values.strings(List.of(TAG))),
        (reply, failure) -> failure == null ? new Listed(connection, Values.asStrings(reply.get(0)))
            : new Ended(connection, "find failed: " + LocatorClient.unwrap(failure).getMessage()));
    return following(connection, backoff, loud);
  }

  /**
   * @param backoff the wait before the next attempt should this watch end before it worked; once
   *                the collection was listed it starts again from the shortest
   */
  private Behavior<Command> following(ClientConnection connection, Duration backoff, boolean loud) {
    return Behaviors.receive(Command.class)
        .onMessage(Listed.class, m -> m.connection() == connection, m -> {
          Set<String> gone = new HashSet<>(timeouts.stored().keySet());
          gone.removeAll(m.apps());
          gone.forEach(app -> timeouts.put(app, Map.of()));
          m.apps().forEach(app -> read(connection, app));
          ctx.getLog().info("following the app timeouts in storage ({} apps)", m.apps().size());
          return following(connection, minBackoff, true);
        })
        .onMessage(Changed.class, m -> m.connection() == connection, m -> {
          read(connection, m.app());
          return Behaviors.same();
        })
        .onMessage(Read.class, m -> {
          if (!m.events().equals(timeouts.stored().getOrDefault(m.app(), Map.of()))) {
            ctx.getLog().info("timeouts of app '{}' now {}", m.app(), m.events().isEmpty() ? "the default"
                : m.events());
          }
          timeouts.put(m.app(), m.events());
          return Behaviors.same();
        })
        .onMessage(Unreadable.class, m -> {
          ctx.getLog().warn("timeouts/{} cannot be used, its previous timeouts stay: {}", m.app(), m.why());
          return Behaviors.same();
        })
        .onMessage(Ended.class, m -> m.connection() == connection, m -> {
          connection.close();
          return failed("the watch of storage '" + COLLECTION + "' ended: " + m.why(), backoff, loud);
        })
        .onMessage(Listed.class, m -> Behaviors.same())
        .onMessage(Changed.class, m -> Behaviors.same())
        .onMessage(Ended.class, m -> Behaviors.same())
        .onSignal(PostStop.class, s -> {
          connection.close();
          return Behaviors.same();
        })
        .build();
  }

  private void read(ClientConnection connection, String app) {
    ctx.pipeToSelf(connection.call(READ, Values.str(COLLECTION), Values.str(app)), (reply, failure) -> {
      if (failure != null) {
        Throwable cause = LocatorClient.unwrap(failure);
        return cause instanceof CocaineException e && e.code().equals(ErrorCode.NOT_FOUND)
            ? new Read(app, Map.of()) : new Unreadable(app, cause.getMessage());
      }
      try {
        return new Read(app, Timeouts.parse(app, Values.toJava(Values.unpack(Values.asBytes(reply.get(0))))));
      } catch (RuntimeException e) {
        return new Unreadable(app, e.getMessage());
      }
    });
  }

  private Behavior<Command> failed(String why, Duration backoff, boolean loud) {
    if (loud) {
      ctx.getLog().warn("{}; app timeouts stay as they are, trying again in {} ms", why, backoff.toMillis());
    } else {
      ctx.getLog().debug("{}; trying again in {} ms", why, backoff.toMillis());
    }
    timers.startSingleTimer(new Retry(), backoff);
    Duration next = backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
    return Behaviors.receive(Command.class)
        .onMessage(Retry.class, r -> connecting(next, false))
        .onMessage(Read.class, m -> {
          timeouts.put(m.app(), m.events());
          return Behaviors.same();
        })
        .onAnyMessage(m -> Behaviors.same())
        .build();
  }
}
