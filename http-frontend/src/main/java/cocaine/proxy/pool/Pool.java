package cocaine.proxy.pool;

import cocaine.admin.ProxyMetrics;
import cocaine.rpc.channel.ClientConnection;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * {@code pool:<app>}: the proxy's connections to one app. Each connection is made after a fresh
 * {@code resolve}, so a routing group's weights decide where it leads; every refresh period a
 * share of them is replaced (new one first, old one closed once its requests are done) so weight
 * changes and new endpoints show in the traffic. A connection that drops is replaced at once.
 * Requests go to the connection with the fewest in flight ({@link Connections} keeps them and makes
 * that choice). It also knows, from the app's manifest, whether the app takes request bodies streamed.
 */
public final class Pool {
  public sealed interface Command {}

  /**
   * Asks for a connection. Waits while the pool has none yet; a lease still waiting at
   * {@code deadlineNanos} (System.nanoTime) is dropped, its asker has given up.
   */
  public record Lease(long deadlineNanos, ActorRef<Leased> replyTo) implements Command {}

  /** The answer to {@link Lease}. */
  public sealed interface Leased {}

  /**
   * A connection to use for one request; call {@link #release} once when the request is over.
   *
   * @param app       the app the connection leads to (a routing group's member when a group was asked for)
   * @param streaming the app's manifest says {@code "streaming": true}
   */
  public record Granted(Leases leases, Connections.Connection slot, String app, ClientConnection connection,
      String endpoint, boolean streaming) implements Leased {
    /** The request on this connection is over; from any thread. */
    public void release() {
      leases.release(slot);
    }
  }

  /**
   * No connection: the app cannot be resolved or reached, too many requests wait for it, or none
   * was made before the lease's deadline ({@link ErrorCode#TIMEOUT}).
   *
   * @param retriable the request surely reached no worker and another try may succeed
   */
  public record Refused(CocaineException cause, boolean retriable) implements Leased {}

  /** Connection {@code connectionId} went idle while retiring: close it. */
  record Release(long connectionId) implements Command {}

  /** From the proxy, after the pool said it is {@link Idle}: stop (requests still waiting are refused). */
  public record Shutdown() implements Command {}

  /** To the parent: this pool has no connection and cannot make one; stop it with {@link Shutdown}. */
  public record Idle(String app, ActorRef<Command> pool) {}

  record Connected(LocatorClient.AppConnection connection) implements Command {}

  record ConnectFailed(Throwable cause) implements Command {}

  record Disconnected(long connectionId) implements Command {}

  record ManifestRead(Optional<Map<String, Object>> manifest, Throwable failure) implements Command {}

  private record Refresh() implements Command {}

  /**
   * Settings of one pool.
   *
   * @param size                     connections kept
   * @param refreshPeriod            how often a share of them is replaced
   * @param refreshFraction          that share (at least one connection)
   * @param maxWaiting               leases that may wait for a first connection
   * @param maxChannelsPerConnection requests one connection carries at most
   */
  public record Options(int size, Duration refreshPeriod, double refreshFraction, int maxWaiting,
      int maxChannelsPerConnection) {}

  private record Waiter(long deadlineNanos, ActorRef<Leased> replyTo) {}

  private final ActorContext<Command> ctx;
  private final String app;
  private final Options options;
  private final LocatorClient locator;
  private final ActorRef<Idle> parent;
  private final ProxyMetrics.PoolGauges gauges;
  private final Connections connections;
  private final Leases leases;
  private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
  private long nextId;
  private int connecting;
  /** Connections being made to replace old ones; each success retires the oldest. */
  private int replacing;
  /** From the manifest; null until the first read ended. */
  private Boolean streaming;
  private CocaineException lastFailure;

  private Pool(ActorContext<Command> ctx, String app, Options options, LocatorClient locator, ActorRef<Idle> parent,
      ProxyMetrics.PoolGauges gauges, Connections connections, Leases leases) {
    this.ctx = ctx;
    this.app = app;
    this.options = options;
    this.locator = locator;
    this.parent = parent;
    this.gauges = gauges;
    this.connections = connections;
    this.leases = leases;
    leases.attach(ctx.getSelf());
  }

  /**
   * The pool of one app, and the {@link Leases} through which requests take its connections
   * without asking it.
   */
  public record Made(Behavior<Command> behavior, Leases leases) {}

  public static Made make(String app, Options options, LocatorClient locator, ActorRef<Idle> parent,
      ProxyMetrics metrics) {
    ProxyMetrics.PoolGauges gauges = metrics.pool(app);
    Connections connections = new Connections();
    Leases leases = new Leases(app, connections, options.maxChannelsPerConnection(), gauges);
    return new Made(behavior(app, options, locator, parent, gauges, connections, leases), leases);
  }

  public static Behavior<Command> create(String app, Options options, LocatorClient locator, ActorRef<Idle> parent,
      ProxyMetrics metrics) {
    return make(app, options, locator, parent, metrics).behavior();
  }

  private static Behavior<Command> behavior(String app, Options options, LocatorClient locator, ActorRef<Idle> parent,
      ProxyMetrics.PoolGauges gauges, Connections connections, Leases leases) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      Pool pool = new Pool(ctx, app, options, locator, parent, gauges, connections, leases);
      timers.startTimerWithFixedDelay(new Refresh(), options.refreshPeriod());
      pool.readManifest();
      pool.connect();
      return pool.running();
    }));
  }

  private Behavior<Command> running() {
    return Behaviors.receive(Command.class)
        .onMessage(Lease.class, this::onLease)
        .onMessage(Release.class, this::onRelease)
        .onMessage(Connected.class, this::onConnected)
        .onMessage(ConnectFailed.class, this::onConnectFailed)
        .onMessage(Disconnected.class, this::onDisconnected)
        .onMessage(ManifestRead.class, this::onManifest)
        .onMessage(Refresh.class, r -> onRefresh())
        .onMessage(Shutdown.class, s -> onShutdown())
        .onSignal(org.apache.pekko.actor.typed.PostStop.class, s -> {
          connections.closeAll();
          return Behaviors.same();
        })
        .build();
  }

  private Behavior<Command> onLease(Lease lease) {
    Waiter w = new Waiter(lease.deadlineNanos(), lease.replyTo());
    if (!grant(w)) {
      dropExpired();
      if (waiting.size() >= options.maxWaiting()) {
        ctx.getLog().warn("refused a request to app '{}': {} requests already wait for a connection", app,
            waiting.size());
        w.replyTo().tell(new Refused(new CocaineException(ErrorCode.RESOURCE, "too many requests ("
            + waiting.size() + ") wait for a connection to app '" + app + "'; try again later"), false));
      } else {
        waiting.add(w);
        if (connecting == 0 && connections.live() == 0) {
          connect();
        }
      }
    }
    report();
    return Behaviors.same();
  }

  private Behavior<Command> onRelease(Release r) {
    connections.release(r.connectionId());
    report();
    return Behaviors.same();
  }

  private Behavior<Command> onConnected(Connected m) {
    connecting--;
    long id = ++nextId;
    Connections.Connection c = new Connections.Connection(id, m.connection().connection(), m.connection().endpoint());
    ctx.pipeToSelf(c.client.closed(), (done, failure) -> new Disconnected(id));
    if (replacing > 0) {
      replacing--;
      connections.oldestLive().ifPresent(this::retire);
    }
    connections.add(c);
    ctx.getLog().debug("pool of '{}': connection {} to {} ({} live)", app, id, c.endpoint, connections.live());
    lastFailure = null;
    serveWaiting();
    topUp();
    report();
    return Behaviors.same();
  }

  private Behavior<Command> onConnectFailed(ConnectFailed m) {
    connecting--;
    if (replacing > 0) {
      replacing--;
    }
    Throwable cause = LocatorClient.unwrap(m.cause());
    lastFailure = cause instanceof CocaineException e ? e
        : new CocaineException(ErrorCode.NOT_CONNECTED, "cannot connect to app '" + app + "': " + cause);
    if (connections.live() == 0 && connecting == 0) {
      ctx.getLog().info("app '{}' is not available: {} {}", app, lastFailure.code(), lastFailure.getMessage());
      for (Waiter w : waiting) {
        w.replyTo().tell(new Refused(lastFailure, true));
      }
      waiting.clear();
      if (connections.isEmpty()) {
        parent.tell(new Idle(app, ctx.getSelf()));
      }
    } else {
      // The slot stays empty until the next refresh: no reconnect loop against a failing app.
      ctx.getLog().warn("pool of '{}': a connection could not be made ({} live): {}", app, connections.live(),
          lastFailure.getMessage());
    }
    report();
    return Behaviors.same();
  }

  private Behavior<Command> onDisconnected(Disconnected m) {
    Connections.Connection c = connections.remove(m.connectionId());
    if (c != null && !c.retiring) {
      ctx.getLog().info("pool of '{}': connection {} to {} dropped with {} requests in flight; replacing it", app,
          c.id, c.endpoint, c.inFlight.get());
      connect();
    }
    report();
    return Behaviors.same();
  }

  private Behavior<Command> onManifest(ManifestRead m) {
    boolean before = Boolean.TRUE.equals(streaming);
    if (m.failure() != null) {
      if (streaming == null) {
        ctx.getLog().warn("cannot read the manifest of '{}' ({}); sending it whole request bodies", app,
            LocatorClient.unwrap(m.failure()).getMessage());
      }
      streaming = before;
    } else {
      streaming = m.manifest().map(manifest -> Boolean.TRUE.equals(manifest.get("streaming"))
          || "true".equals(manifest.get("streaming"))).orElse(false);
      if (streaming != before) {
        ctx.getLog().info("app '{}' takes request bodies {}", app, streaming ? "streamed" : "whole");
      }
    }
    leases.streaming(streaming);
    serveWaiting();
    report();
    return Behaviors.same();
  }

  private Behavior<Command> onRefresh() {
    readManifest();
    int live = connections.live();
    int replace = Math.min(live, Math.max(1, (int) Math.ceil(live * options.refreshFraction()))) - replacing;
    for (int i = 0; i < replace; i++) {
      replacing++;
      connect();
    }
    topUp();
    report();
    return Behaviors.same();
  }

  private Behavior<Command> onShutdown() {
    CocaineException why = lastFailure != null ? lastFailure
        : new CocaineException(ErrorCode.SERVICE_NOT_AVAILABLE, "app '" + app + "' is not available");
    for (Waiter w : waiting) {
      w.replyTo().tell(new Refused(why, true));
    }
    waiting.clear();
    ctx.getLog().debug("pool of '{}' stopped", app);
    return connecting == 0 ? Behaviors.stopped() : draining(why);
  }

  /** Stopping, but connects are under way: their connections must be closed, not leaked. */
  private Behavior<Command> draining(CocaineException why) {
    return Behaviors.receive(Command.class)
        .onMessage(Lease.class, l -> {
          l.replyTo().tell(new Refused(why, true));
          return Behaviors.same();
        })
        .onMessage(Connected.class, c -> {
          c.connection().connection().close();
          return --connecting == 0 ? Behaviors.stopped() : Behaviors.same();
        })
        .onMessage(ConnectFailed.class, f -> --connecting == 0 ? Behaviors.stopped() : Behaviors.same())
        .onSignal(org.apache.pekko.actor.typed.PostStop.class, s -> {
          connections.closeAll();
          return Behaviors.same();
        })
        .build();
  }

  /** Grants w a connection if one is usable; false when w must wait. */
  private boolean grant(Waiter w) {
    if (streaming == null) {
      return false;
    }
    Connections.Connection best =
        connections.lease(options.maxChannelsPerConnection(), ThreadLocalRandom.current(), false);
    if (best == null) {
      return false;
    }
    w.replyTo().tell(leases.granted(best, streaming));
    return true;
  }

  private void serveWaiting() {
    long now = System.nanoTime();
    while (!waiting.isEmpty()) {
      Waiter w = waiting.peek();
      if (w.deadlineNanos() - now < 0) {
        expired(waiting.poll());
      } else if (grant(w)) {
        waiting.poll();
      } else {
        return;
      }
    }
  }

  private void dropExpired() {
    long now = System.nanoTime();
    waiting.removeIf(w -> {
      if (w.deadlineNanos() - now < 0) {
        expired(w);
        return true;
      }
      return false;
    });
  }

  private void expired(Waiter w) {
    w.replyTo().tell(new Refused(new CocaineException(ErrorCode.TIMEOUT, "no connection to app '" + app
        + "' was made in time"), false));
  }

  /** Starts connections until live plus coming ones reach the pool size. */
  private void topUp() {
    int missing = options.size() - (connections.live() + connecting - replacing);
    for (int i = 0; i < missing; i++) {
      connect();
    }
  }

  private void connect() {
    connecting++;
    ctx.pipeToSelf(locator.connect(app), (c, failure) -> failure == null ? new Connected(c) : new ConnectFailed(failure));
  }

  private void readManifest() {
    ctx.pipeToSelf(locator.manifest(app), ManifestRead::new);
  }

  private void retire(Connections.Connection c) {
    ctx.getLog().debug("pool of '{}': retiring connection {} to {} ({} in flight)", app, c.id, c.endpoint,
        c.inFlight.get());
    connections.retire(c);
  }

  private void report() {
    gauges.set(connections.size(), waiting.size(), connections.endpoints());
  }
}
