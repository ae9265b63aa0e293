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
import java.util.Objects;
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
 * Keeps one {@link LiveTable} of the proxy (its {@link Timeouts}, its {@link TraceSampling}) equal
 * to one storage collection, live. It watches the collection on the storage service (method
 * {@code watch}, pushed by ZooKeeper's watches in a cluster), lists it, and reads again each key the
 * watch names, so a {@code cocaine timeouts set} or {@code cocaine tracing set} applies to the next
 * request without a restart. When the storage cannot be reached it tries again after a back-off and
 * the last values stay in force.
 *
 * @param <T> the value of one key of the collection
 */
public final class StoredFeed<T> {
  /** The collection of per-app timeouts ({@code timeouts/<app>} = {event: seconds}); also its tag. */
  public static final String TIMEOUTS = "timeouts";
  /** The collection of per-app trace sampling ({@code tracing/<app>} = percent 0..100); also its tag. */
  public static final String TRACING = "tracing";
  static final int READ = 0;
  static final int FIND = 3;
  static final int WATCH = 4;

  public sealed interface Command {}

  private record Connected(ClientConnection connection) implements Command {}

  private record ConnectFailed(Throwable cause) implements Command {}

  private record Listed(ClientConnection connection, List<String> apps) implements Command {}

  private record Changed(ClientConnection connection, String app) implements Command {}

  private record Read(String app, Object value) implements Command {}

  private record Unreadable(String app, String why) implements Command {}

  private record Ended(ClientConnection connection, String why) implements Command {}

  private record Retry() implements Command {}

  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final LocatorClient locator;
  private final LiveTable<T> table;
  private final Duration minBackoff;
  private final Duration maxBackoff;

  private StoredFeed(ActorContext<Command> ctx, TimerScheduler<Command> timers, LocatorClient locator,
      LiveTable<T> table, Duration minBackoff, Duration maxBackoff) {
    this.ctx = ctx;
    this.timers = timers;
    this.locator = locator;
    this.table = table;
    this.minBackoff = minBackoff;
    this.maxBackoff = maxBackoff;
  }

  static <T> Behavior<Command> create(LocatorClient locator, LiveTable<T> table, Duration minBackoff,
      Duration maxBackoff) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
        new StoredFeed<>(ctx, timers, locator, table, minBackoff, maxBackoff).connecting(minBackoff, true)));
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
        .via(connection.channel(Message.of(WATCH, Values.str(table.collection())), Graph.STREAMING))
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
    ctx.pipeToSelf(connection.call(FIND, Values.str(table.collection()), Values.strings(List.of(table.collection()))),
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
          Set<String> gone = new HashSet<>(table.stored().keySet());
          gone.removeAll(m.apps());
          gone.forEach(app -> table.put(app, null));
          m.apps().forEach(app -> read(connection, app));
          ctx.getLog().info("following storage '{}' ({} apps)", table.collection(), m.apps().size());
          return following(connection, minBackoff, true);
        })
        .onMessage(Changed.class, m -> m.connection() == connection, m -> {
          read(connection, m.app());
          return Behaviors.same();
        })
        .onMessage(Read.class, m -> {
          if (!Objects.equals(m.value(), table.stored().get(m.app()))) {
            ctx.getLog().info("{}/{} now {}", table.collection(), m.app(), m.value() == null
                ? "removed: the configured value applies" : m.value());
          }
          put(m);
          return Behaviors.same();
        })
        .onMessage(Unreadable.class, m -> {
          ctx.getLog().warn("{}/{} cannot be used, its previous value stays: {}", table.collection(), m.app(),
              m.why());
          return Behaviors.same();
        })
        .onMessage(Ended.class, m -> m.connection() == connection, m -> {
          connection.close();
          return failed("the watch of storage '" + table.collection() + "' ended: " + m.why(), backoff, loud);
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

  @SuppressWarnings("unchecked")
  private void put(Read m) {
    table.put(m.app(), (T) m.value());
  }

  private void read(ClientConnection connection, String app) {
    ctx.pipeToSelf(connection.call(READ, Values.str(table.collection()), Values.str(app)), (reply, failure) -> {
      if (failure != null) {
        Throwable cause = LocatorClient.unwrap(failure);
        return cause instanceof CocaineException e && e.code().equals(ErrorCode.NOT_FOUND)
            ? new Read(app, null) : new Unreadable(app, cause.getMessage());
      }
      try {
        return new Read(app, table.parse(app, Values.toJava(Values.unpack(Values.asBytes(reply.get(0))))));
      } catch (RuntimeException e) {
        return new Unreadable(app, e.getMessage());
      }
    });
  }

  private Behavior<Command> failed(String why, Duration backoff, boolean loud) {
    if (loud) {
      ctx.getLog().warn("{}; the stored '{}' stay as they are, trying again in {} ms", why, table.collection(),
          backoff.toMillis());
    } else {
      ctx.getLog().debug("{}; trying again in {} ms", why, backoff.toMillis());
    }
    timers.startSingleTimer(new Retry(), backoff);
    Duration next = backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
    return Behaviors.receive(Command.class)
        .onMessage(Retry.class, r -> connecting(next, false))
        .onMessage(Read.class, m -> {
          put(m);
          return Behaviors.same();
        })
        .onAnyMessage(m -> Behaviors.same())
        .build();
  }
}
