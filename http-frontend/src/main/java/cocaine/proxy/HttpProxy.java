package cocaine.proxy;

import cocaine.admin.ProxyMetrics;
import cocaine.config.Settings;
import cocaine.proxy.pool.LocatorClient;
import cocaine.proxy.pool.Pool;
import cocaine.proxy.routing.RoutingFeed;
import cocaine.routing.Rings;
import cocaine.tls.Listeners;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.http.javadsl.settings.ParserSettings;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code http-proxy}: the HTTP front end. Serves HTTP on {@code cocaine.proxy.host:port} and, with a
 * certificate configured, HTTPS on {@code cocaine.proxy.tls.port} ({@link Listeners}), turns
 * each request into an {@code enqueue} on the app it names, and keeps one {@link Pool}
 * ({@code pool:<app>}) per app, made on the app's first request and dropped when the app cannot
 * be reached any more. A request for a routing group goes to the pool of one member, picked per
 * request on the group's ring as the locator's {@code routing} stream last sent it
 * ({@link RoutingFeed}), so the traffic follows the weights rather than where a few connections
 * happened to resolve.
 */
public final class HttpProxy {
  private static final Logger log = LoggerFactory.getLogger(HttpProxy.class);
  private static final AtomicInteger instances = new AtomicInteger();

  public sealed interface Command {}

  /**
   * A connection for one request to app, answered by the app's pool; when app is a routing group,
   * by the pool of the member picked on its ring (by the sticky seed when there is one).
   */
  public record Lease(String app, Optional<String> sticky, long deadlineNanos, ActorRef<Pool.Leased> replyTo)
      implements Command {}

  /** Stops the proxy actor and its pools (their connections close). */
  public record Stop() implements Command {}

  private record PoolIdle(Pool.Idle idle) implements Command {}

  private record PoolStopped(String app, ActorRef<Pool.Command> pool) implements Command {}

  private record Routing(RoutingFeed.Report report) implements Command {}

  private record StopWaitingForRings() implements Command {}

  private final ActorContext<Command> ctx;
  private final Pool.Options poolOptions;
  private final LocatorClient locator;
  private final ProxyMetrics metrics;
  private final ActorRef<Pool.Idle> idleAdapter;
  private final Duration ringsWait;
  private final PoolDirectory directory;

  private HttpProxy(ActorContext<Command> ctx, ProxyConfig config, LocatorClient locator, ProxyMetrics metrics,
      PoolDirectory directory) {
    this.ctx = ctx;
    this.ringsWait = config.connectTimeout();
    this.poolOptions = new Pool.Options(config.proxy().poolSize(), config.proxy().refreshPeriod(),
        config.refreshFraction(), config.maxWaiting(), config.connection().maxChannels());
    this.locator = locator;
    this.metrics = metrics;
    this.idleAdapter = ctx.messageAdapter(Pool.Idle.class, PoolIdle::new);
    this.directory = directory;
  }

  /**
   * @param routerId who the proxy is in the locator's {@code routing} stream
   */
  public static Behavior<Command> create(ProxyConfig config, LocatorClient locator, ProxyMetrics metrics,
      String routerId) {
    return create(config, locator, metrics, routerId, new PoolDirectory(),
        new Timeouts(config.proxy().timeout(), config.appTimeouts()), new TraceSampling(config));
  }

  /**
   * @param timeouts kept equal to the storage's {@code timeouts} by a {@link StoredFeed} of this actor
   * @param sampling kept equal to the storage's {@code tracing} by another
   */
  static Behavior<Command> create(ProxyConfig config, LocatorClient locator, ProxyMetrics metrics,
      String routerId, PoolDirectory directory, Timeouts timeouts, TraceSampling sampling) {
    return Behaviors.setup(ctx -> Behaviors.withStash(config.maxWaiting(), stash -> Behaviors.withTimers(timers -> {
      ctx.spawn(RoutingFeed.create(locator, new RoutingFeed.Options(routerId, config.routingBackoffMin(),
          config.routingBackoffMax()), ctx.messageAdapter(RoutingFeed.Report.class, Routing::new)), "routing");
      ctx.spawn(StoredFeed.create(locator, timeouts, config.routingBackoffMin(), config.routingBackoffMax()),
          "timeouts");
      ctx.spawn(StoredFeed.create(locator, sampling, config.routingBackoffMin(), config.routingBackoffMax()),
          "tracing");
      timers.startSingleTimer(new StopWaitingForRings(), config.connectTimeout());
      return new HttpProxy(ctx, config, locator, metrics, directory).waitingForRings(stash);
    })));
  }

  /**
   * Until the first rings come (or the locator says it has none to give, or a connect timeout
   * passed), requests wait: a group name must not make a pool of its own that resolves members
   * by luck again.
   */
  private Behavior<Command> waitingForRings(StashBuffer<Command> stash) {
    return Behaviors.receive(Command.class)
        .onMessage(Lease.class, lease -> {
          if (stash.isFull()) {
            lease.replyTo().tell(new Pool.Refused(new CocaineException(ErrorCode.RESOURCE, "too many requests ("
                + stash.size() + ") wait for the routing groups from the locator; try again later"), false));
          } else {
            stash.stash(lease);
          }
          return Behaviors.same();
        })
        .onMessage(Routing.class, m -> m.report() instanceof RoutingFeed.Updated u
            ? stash.unstashAll(published(Map.of(), u.rings()))
            : stopWaiting(stash, "the locator has no routing stream for now ("
                + ((RoutingFeed.Unavailable) m.report()).why() + ")"))
        .onMessage(StopWaitingForRings.class, m -> stopWaiting(stash, "no routing groups came within "
            + ringsWait.toMillis() + " ms"))
        .onMessage(Stop.class, s -> Behaviors.stopped())
        .build();
  }

  private Behavior<Command> stopWaiting(StashBuffer<Command> stash, String why) {
    log.warn("serving requests without routing groups: {}; a group name resolves at the locator until they come", why);
    return stash.unstashAll(published(Map.of(), Rings.NONE));
  }

  /** {@link #running}, with the rings published to requests first. */
  private Behavior<Command> published(Map<String, ActorRef<Pool.Command>> pools, Rings rings) {
    directory.rings(rings);
    return running(pools, rings);
  }

  private Behavior<Command> running(Map<String, ActorRef<Pool.Command>> pools, Rings rings) {
    return Behaviors.receive(Command.class)
        .onMessage(Lease.class, lease -> {
          String app = rings.member(lease.app(), lease.sticky()).orElse(lease.app());
          ActorRef<Pool.Command> pool = pools.get(app);
          Map<String, ActorRef<Pool.Command>> next = pools;
          if (pool == null) {
            Pool.Made made = Pool.make(app, poolOptions, locator, idleAdapter, metrics);
            pool = ctx.spawn(made.behavior(), "pool:" + URLEncoder.encode(app, StandardCharsets.UTF_8));
            directory.add(app, made.leases());
            ctx.watchWith(pool, new PoolStopped(app, pool));
            next = new HashMap<>(pools);
            next.put(app, pool);
          }
          pool.tell(new Pool.Lease(lease.deadlineNanos(), lease.replyTo()));
          return next == pools ? Behaviors.same() : running(Map.copyOf(next), rings);
        })
        .onMessage(Routing.class, m -> {
          if (m.report() instanceof RoutingFeed.Updated u) {
            Set<String> changed = u.rings().changedFrom(rings);
            if (!changed.isEmpty()) {
              log.info("routing groups {} changed; requests now follow the new rings", changed);
            }
            return published(pools, u.rings());
          }
          return Behaviors.same();
        })
        .onMessage(StopWaitingForRings.class, m -> Behaviors.same())
        .onMessage(PoolIdle.class, m -> {
          if (pools.get(m.idle().app()) != m.idle().pool()) {
            return Behaviors.same();
          }
          // leases already forwarded reach the pool before this, so none is lost
          m.idle().pool().tell(new Pool.Shutdown());
          directory.remove(m.idle().app());
          Map<String, ActorRef<Pool.Command>> next = new HashMap<>(pools);
          next.remove(m.idle().app());
          return running(Map.copyOf(next), rings);
        })
        .onMessage(PoolStopped.class, m -> {
          if (!pools.containsKey(m.app())) {
            metrics.poolStopped(m.app());
            return Behaviors.same();
          }
          if (pools.get(m.app()).equals(m.pool())) {
            log.warn("pool of app '{}' stopped unexpectedly; the next request makes a new one", m.app());
            metrics.poolStopped(m.app());
            directory.remove(m.app());
            Map<String, ActorRef<Pool.Command>> next = new HashMap<>(pools);
            next.remove(m.app());
            return running(Map.copyOf(next), rings);
          }
          return Behaviors.same();
        })
        .onMessage(Stop.class, s -> Behaviors.stopped())
        .build();
  }

  /**
   * A running proxy: its listeners and its actor.
   *
   * @param listeners the HTTP and HTTPS ports
   * @param proxy     the {@code http-proxy} actor
   * @param flushLog  writes what the access log holds and stops its writer
   */
  public record Running(Listeners listeners, ActorRef<Command> proxy, LocatorClient locator, Runnable flushLog) {
    /** Where plain HTTP listens, or HTTPS when plain HTTP is off (the actual port when 0 was configured). */
    public InetSocketAddress localAddress() {
      return listeners.localAddress();
    }

    /**
     * Stops accepting, gives requests in progress up to {@code grace} to end, then stops the
     * pools and closes their connections.
     */
    public CompletionStage<Done> stop(Duration grace) {
      return listeners.terminate(grace).handle((t, failure) -> {
        flushLog.run();
        proxy.tell(new Stop());
        locator.close();
        return Done.getInstance();
      });
    }
  }

  /**
   * Starts the proxy with the settings of {@code cocaine.proxy}, resolving apps through the
   * locator at {@code cocaine.proxy.locator-host:locator-port}.
   */
  public static CompletionStage<Running> start(ActorSystem<?> system, Settings settings, ProxyMetrics metrics) {
    return start(system, ProxyConfig.from(settings), metrics);
  }

  /**
   * Starts the proxy: spawns {@code http-proxy} as a system actor and binds its listeners. Fails
   * when an address cannot be bound or the certificate cannot be used.
   */
  public static CompletionStage<Running> start(ActorSystem<?> system, ProxyConfig config, ProxyMetrics metrics) {
    LocatorClient locator = LocatorClient.of(system, config.locators(), config.connection(),
        config.connectTimeout(), config.access().authorization());
    int n = instances.incrementAndGet();
    PoolDirectory directory = new PoolDirectory();
    Timeouts timeouts = new Timeouts(config.proxy().timeout(), config.appTimeouts());
    TraceSampling sampling = new TraceSampling(config);
    ActorRef<Command> proxy = system.systemActorOf(create(config, locator, metrics, routerId(n), directory, timeouts,
        sampling), n == 1 ? "http-proxy" : "http-proxy-" + n, Props.empty());
    Exchange exchange = new Exchange(system, config, proxy, directory, metrics, timeouts, sampling, locator);
    return Listeners.bind(system, "HTTP proxy", config.proxy().host(), config.proxy().port(), config.https(),
            serverSettings(system, config), exchange::handle)
        .handle((listeners, failure) -> {
          if (failure != null) {
            exchange.close();
            proxy.tell(new Stop());
            locator.close();
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
            log.error("HTTP proxy cannot start on {}:{}{}: {}", config.proxy().host(), config.proxy().port(),
                config.https().tls().map(t -> " (https port " + t.port() + ")").orElse(""), cause.getMessage());
            return CompletableFuture.<Running>failedFuture(cause);
          }
          system.getWhenTerminated().thenRun(exchange::close); // the access log's last lines
          listeners.httpPort().ifPresent(p -> metrics.httpConnections(p::openConnections, p::refusedConnections));
          log.info("HTTP proxy listening on {}, resolving apps through {}", listeners, locator.address());
          return CompletableFuture.completedFuture(new Running(listeners, proxy, locator, exchange::close));
        })
        .thenCompose(x -> x);
  }

  /** Like the original proxies' ids: host, process and instance, unique among the locator's routers. */
  private static String routerId(int instance) {
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      host = "localhost";
    }
    return "http-proxy:" + host + "_" + ProcessHandle.current().pid() + "_" + instance;
  }

  /**
   * pekko-http's defaults with the proxy's limits: head limits answered 431/414 by
   * {@link HeadErrors}, the body limit, the raw request target kept (the app gets it unchanged),
   * and no request timeout of pekko's own: each app's timeout applies instead.
   */
  static ServerSettings serverSettings(ActorSystem<?> system, ProxyConfig config) {
    ServerSettings defaults = ServerSettings.create(system.classicSystem());
    ParserSettings parser = defaults.getParserSettings()
        .withMaxHeaderValueLength(config.maxHeaderValueBytes())
        .withMaxHeaderCount(config.maxHeaderCount())
        .withMaxUriLength(config.maxUriBytes())
        .withMaxContentLength(config.proxy().maxBodyBytes());
    Duration longest = config.appTimeouts().values().stream().reduce(config.proxy().timeout(),
        (a, b) -> a.compareTo(b) >= 0 ? a : b);
    // the connection's idle timeout must not cut a response the app is still allowed to produce
    Duration idle = longest.multipliedBy(2).compareTo(Duration.ofSeconds(60)) > 0
        ? longest.multipliedBy(2) : Duration.ofSeconds(60);
    return defaults
        .withParserSettings(parser)
        .withRawRequestUriHeader(true)
        .withParsingErrorHandler(HeadErrors.class.getName())
        .withTimeouts(defaults.getTimeouts()
            .withRequestTimeout(scala.concurrent.duration.Duration.Inf())
            .withIdleTimeout(scala.concurrent.duration.Duration.fromNanos(idle.toNanos())));
  }
}
