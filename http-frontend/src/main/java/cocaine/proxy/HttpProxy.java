package cocaine.proxy;

import cocaine.admin.ProxyMetrics;
import cocaine.config.Settings;
import cocaine.proxy.pool.LocatorClient;
import cocaine.proxy.pool.Pool;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.settings.ParserSettings;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code http-proxy}: the HTTP front end. Serves HTTP on {@code cocaine.proxy.host:port}, turns
 * each request into an {@code enqueue} on the app it names, and keeps one {@link Pool}
 * ({@code pool:<app>}) per app, made on the app's first request and dropped when the app cannot
 * be reached any more.
 */
public final class HttpProxy {
  private static final Logger log = LoggerFactory.getLogger(HttpProxy.class);
  private static final AtomicInteger instances = new AtomicInteger();

  public sealed interface Command {}

  /** A connection for one request to app, answered by the app's pool. */
  public record Lease(String app, long deadlineNanos, ActorRef<Pool.Leased> replyTo) implements Command {}

  /** Stops the proxy actor and its pools (their connections close). */
  public record Stop() implements Command {}

  private record PoolIdle(Pool.Idle idle) implements Command {}

  private record PoolStopped(String app, ActorRef<Pool.Command> pool) implements Command {}

  private final ActorContext<Command> ctx;
  private final Pool.Options poolOptions;
  private final LocatorClient locator;
  private final ProxyMetrics metrics;
  private final ActorRef<Pool.Idle> idleAdapter;

  private HttpProxy(ActorContext<Command> ctx, ProxyConfig config, LocatorClient locator, ProxyMetrics metrics) {
    this.ctx = ctx;
    this.poolOptions = new Pool.Options(config.proxy().poolSize(), config.proxy().refreshPeriod(),
        config.refreshFraction(), config.maxWaiting(), config.connection().maxChannels());
    this.locator = locator;
    this.metrics = metrics;
    this.idleAdapter = ctx.messageAdapter(Pool.Idle.class, PoolIdle::new);
  }

  public static Behavior<Command> create(ProxyConfig config, LocatorClient locator, ProxyMetrics metrics) {
    return Behaviors.setup(ctx -> new HttpProxy(ctx, config, locator, metrics).running(Map.of()));
  }

  private Behavior<Command> running(Map<String, ActorRef<Pool.Command>> pools) {
    return Behaviors.receive(Command.class)
        .onMessage(Lease.class, lease -> {
          ActorRef<Pool.Command> pool = pools.get(lease.app());
          Map<String, ActorRef<Pool.Command>> next = pools;
          if (pool == null) {
            pool = ctx.spawn(Pool.create(lease.app(), poolOptions, locator, idleAdapter, metrics),
                "pool:" + URLEncoder.encode(lease.app(), StandardCharsets.UTF_8));
            ctx.watchWith(pool, new PoolStopped(lease.app(), pool));
            next = new HashMap<>(pools);
            next.put(lease.app(), pool);
          }
          pool.tell(new Pool.Lease(lease.deadlineNanos(), lease.replyTo()));
          return next == pools ? Behaviors.same() : running(Map.copyOf(next));
        })
        .onMessage(PoolIdle.class, m -> {
          if (pools.get(m.idle().app()) != m.idle().pool()) {
            return Behaviors.same();
          }
          // leases already forwarded reach the pool before this, so none is lost
          m.idle().pool().tell(new Pool.Shutdown());
          Map<String, ActorRef<Pool.Command>> next = new HashMap<>(pools);
          next.remove(m.idle().app());
          return running(Map.copyOf(next));
        })
        .onMessage(PoolStopped.class, m -> {
          if (!pools.containsKey(m.app())) {
            metrics.poolStopped(m.app());
            return Behaviors.same();
          }
          if (pools.get(m.app()).equals(m.pool())) {
            log.warn("pool of app '{}' stopped unexpectedly; the next request makes a new one", m.app());
            metrics.poolStopped(m.app());
            Map<String, ActorRef<Pool.Command>> next = new HashMap<>(pools);
            next.remove(m.app());
            return running(Map.copyOf(next));
          }
          return Behaviors.same();
        })
        .onMessage(Stop.class, s -> Behaviors.stopped())
        .build();
  }

  /**
   * A running proxy: its HTTP binding and its actor.
   *
   * @param binding the HTTP listener
   * @param proxy   the {@code http-proxy} actor
   */
  public record Running(ServerBinding binding, ActorRef<Command> proxy, LocatorClient locator) {
    /** Where it listens (the actual port when 0 was configured). */
    public InetSocketAddress localAddress() {
      return binding.localAddress();
    }

    /**
     * Stops accepting, gives requests in progress up to {@code grace} to end, then stops the
     * pools and closes their connections.
     */
    public CompletionStage<Done> stop(Duration grace) {
      return binding.terminate(grace).handle((t, failure) -> {
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
   * Starts the proxy: spawns {@code http-proxy} as a system actor and binds the HTTP listener.
   * Fails when the address cannot be bound.
   */
  public static CompletionStage<Running> start(ActorSystem<?> system, ProxyConfig config, ProxyMetrics metrics) {
    LocatorClient locator = new LocatorClient(system, config.locatorHost(), config.locatorPort(), config.connection(),
        config.connectTimeout());
    int n = instances.incrementAndGet();
    ActorRef<Command> proxy = system.systemActorOf(create(config, locator, metrics),
        n == 1 ? "http-proxy" : "http-proxy-" + n, Props.empty());
    Exchange exchange = new Exchange(system, config, proxy, metrics);
    return Http.get(system)
        .newServerAt(config.proxy().host(), config.proxy().port())
        .withSettings(serverSettings(system, config))
        .bind(exchange::handle)
        .handle((binding, failure) -> {
          if (failure != null) {
            proxy.tell(new Stop());
            locator.close();
            log.error("HTTP proxy cannot listen on {}:{}: {}", config.proxy().host(), config.proxy().port(),
                failure.getMessage());
            return CompletableFuture.<Running>failedFuture(failure);
          }
          log.info("HTTP proxy listening on {}, resolving apps through {}", binding.localAddress(), locator.address());
          return CompletableFuture.completedFuture(new Running(binding, proxy, locator));
        })
        .thenCompose(x -> x);
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
