package cocaine.admin;

import cocaine.metrics.WireBudgetMeters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * What the HTTP proxy counts, kept in a Micrometer registry that the admin API serves as
 * Prometheus text: requests by app and status, their latency, retries, aborted responses, the
 * size of every app's pool, the body budget and the process's wire budgets ({@link WireBudgetMeters}). Thread-safe; pools write their gauges, request handlers the rest.
 */
public final class ProxyMetrics {
  /** The app label of requests that never reached a pool with a live connection (unknown apps). */
  public static final String NO_APP = "-";

  private final PrometheusMeterRegistry registry;
  private final Map<String, PoolGauges> pools = new ConcurrentHashMap<>();
  private final Map<String, RequestMeters> requests = new ConcurrentHashMap<>();

  public ProxyMetrics(PrometheusMeterRegistry registry) {
    this.registry = registry;
  }

  /** A fresh registry of its own, for a process that has no other meters; with the wire budgets' meters. */
  public static ProxyMetrics create() {
    return new ProxyMetrics((PrometheusMeterRegistry) WireBudgetMeters.bind(
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)));
  }

  /**
   * The meters of the proxy's body budget ({@code cocaine.proxy.body-budget}): bytes of bodies held
   * now, the ceiling, and requests refused (503) because it was spent.
   */
  public void bodyBudget(LongSupplier held, long limit, LongSupplier refused) {
    Gauge.builder("cocaine.proxy.body.budget.held", held, LongSupplier::getAsLong).baseUnit("bytes")
        .description("bytes of HTTP bodies the proxy holds now").strongReference(true).register(registry);
    Gauge.builder("cocaine.proxy.body.budget.limit", () -> limit).baseUnit("bytes")
        .description("the ceiling of the bytes of HTTP bodies held").register(registry);
    FunctionCounter.builder("cocaine.proxy.body.budget.refused", refused, LongSupplier::getAsLong)
        .description("requests refused with 503 because the body budget was spent").register(registry);
  }

  /**
   * The meters of the proxy's plain-HTTP port: connections open now, and those closed at once
   * because {@code pekko.http.server.max-connections} were open.
   */
  public void httpConnections(IntSupplier open, LongSupplier refused) {
    Gauge.builder("cocaine.proxy.http.connections", open, IntSupplier::getAsInt)
        .description("client connections open on the proxy's plain-HTTP port").strongReference(true)
        .register(registry);
    FunctionCounter.builder("cocaine.proxy.http.connections.refused", refused, LongSupplier::getAsLong)
        .description("client connections closed at once because max-connections were open").register(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition of every meter. */
  public String scrape() {
    return registry.scrape();
  }

  /**
   * One finished HTTP request: its status and how long it took until the response ended. The meters
   * are looked up once per app and status, not built per request (Micrometer's builders and registry
   * lookup were half of this call's cost); apps are the proxy's known ones plus {@link #NO_APP}.
   */
  public void request(String app, int status, long nanos) {
    RequestMeters meters = requests.computeIfAbsent(app, a -> new RequestMeters(a, registry));
    meters.status(status).increment();
    meters.duration.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** One more try of a request that surely never reached a worker; reason e.g. "queue-full". */
  public void retry(String app, String reason) {
    Counter.builder("cocaine.proxy.retries").description("requests tried again on another connection")
        .tag("app", app).tag("reason", reason).register(registry).increment();
  }

  /** A response cut after its head was sent; reason e.g. "app-error", "timeout". */
  public void aborted(String app, String reason) {
    Counter.builder("cocaine.proxy.responses.aborted").description("responses cut after their head was sent")
        .tag("app", app).tag("reason", reason).register(registry).increment();
  }

  /** The gauges of app's pool, registered on first use. */
  public PoolGauges pool(String app) {
    return pools.computeIfAbsent(app, a -> new PoolGauges(a, registry));
  }

  /** Unregisters the gauges of a pool that stopped. */
  public void poolStopped(String app) {
    PoolGauges gone = pools.remove(app);
    if (gone != null) {
      gone.meters.forEach(registry::remove);
    }
  }

  /** Every live pool, sorted by app. */
  public Map<String, PoolSnapshot> pools() {
    Map<String, PoolSnapshot> out = new TreeMap<>();
    pools.forEach((app, g) -> out.put(app, new PoolSnapshot(g.connections.get(), g.inFlight.get(), g.waiting.get(),
        List.copyOf(g.endpoints))));
    return out;
  }

  /**
   * What /info shows of one pool.
   *
   * @param connections live connections
   * @param inFlight    requests using them
   * @param waiting     requests waiting for a first connection
   * @param endpoints   the endpoints the live connections lead to, one entry per connection
   */
  public record PoolSnapshot(int connections, int inFlight, int waiting, List<String> endpoints) {}

  /** Live numbers of one app's pool; written by its pool actor, in-flight counts by requests too. */
  public static final class PoolGauges {
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger waiting = new AtomicInteger();
    private volatile List<String> endpoints = List.of();
    private final List<Meter> meters;

    private PoolGauges(String app, MeterRegistry registry) {
      meters = List.of(
          Gauge.builder("cocaine.proxy.pool.connections", connections, AtomicInteger::get)
              .description("live connections of an app's pool").tag("app", app).register(registry),
          Gauge.builder("cocaine.proxy.pool.in.flight", inFlight, AtomicInteger::get)
              .description("requests in flight on an app's pool").tag("app", app).register(registry),
          Gauge.builder("cocaine.proxy.pool.waiting", waiting, AtomicInteger::get)
              .description("requests waiting for an app's first connection").tag("app", app).register(registry));
    }

    public void set(int connections, int waiting, List<String> endpoints) {
      this.connections.set(connections);
      this.waiting.set(waiting);
      this.endpoints = List.copyOf(endpoints);
    }

    /** A request took ({@code +1}) or gave back ({@code -1}) a connection; from any thread. */
    public void inFlight(int delta) {
      inFlight.addAndGet(delta);
    }
  }

  /** The request meters of one app: its latency timer and a counter per status, registered on first use. */
  private static final class RequestMeters {
    private final String app;
    private final MeterRegistry registry;
    private final Timer duration;
    private final Map<Integer, Counter> byStatus = new ConcurrentHashMap<>();

    private RequestMeters(String app, MeterRegistry registry) {
      this.app = app;
      this.registry = registry;
      duration = Timer.builder("cocaine.proxy.request.duration").description("time from request to end of response")
          .tag("app", app).publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
          .maximumExpectedValue(Duration.ofSeconds(60)).register(registry);
    }

    Counter status(int status) {
      return byStatus.computeIfAbsent(status, s -> Counter.builder("cocaine.proxy.requests")
          .description("HTTP requests answered, by app and status").tag("app", app).tag("status", Integer.toString(s))
          .register(registry));
    }
  }
}
