package cocaine.proxy;

import cocaine.config.FrameAndBody;
import cocaine.config.ProxySettings;
import cocaine.config.Settings;
import cocaine.config.SettingsException;
import cocaine.locator.ConnectionLimits;
import cocaine.rpc.transport.ConnectionSettings;
import cocaine.security.AccessToken;
import cocaine.tls.HttpsSettings;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the HTTP proxy is configured with: {@code cocaine.proxy} of cocaine-config plus the
 * keys this module's reference.conf adds (locator address, per-app timeouts, head limits).
 *
 * @param proxy              host, port, pool size, refresh period, timeout, body limit, retries
 * @param locatorHost        where apps are resolved
 * @param locatorPort        the locator's TCP port
 * @param connectTimeout     longest a resolve plus connect may take
 * @param refreshFraction    share of a pool replaced at each refresh (at least one connection)
 * @param maxWaiting         requests per app waiting for its first connection
 * @param appTimeouts        per-app overrides of {@code proxy.timeout()}
 * @param cancelOnDisconnect keep the request side open until the response ends (see reference.conf)
 * @param maxHeaderValueBytes longest header value accepted (431 beyond)
 * @param maxHeaderCount     most headers accepted (431 beyond)
 * @param maxUriBytes        longest request target accepted (414 beyond)
 * @param connection         bounds of every wire connection (frame size, per-channel buffer)
 * @param routingBackoffMin  first wait before the locator's {@code routing} stream is made again
 * @param routingBackoffMax  longest such wait (the wait doubles from the first up to it)
 * @param access             {@code cocaine.security}: its token goes with the reads of manifests
 *                           (the proxy learns there which apps take streamed bodies), never to apps
 * @param https              HTTPS and what the plain HTTP port does ({@code cocaine.proxy.http}, {@code .tls})
 * @param bodyBudgetBytes    bytes of whole request bodies held at once across all requests ({@link BodyBudget})
 * @param accessLog          where and how the access log is written
 * @param headers            names of the request-id and sticky headers, and the HTTP headers mapped to v12 headers
 * @param traceSampling      per app, the share of requests (0..1) sent with {@code trace_bit}
 * @param locators           the locators to resolve through, in order of preference ("host:port")
 * @param jsonRpc            requests with {@code X-Cocaine-JSON-RPC} call services ({@link JsonRpc})
 */
public record ProxyConfig(ProxySettings proxy, String locatorHost, int locatorPort, Duration connectTimeout,
    double refreshFraction, int maxWaiting, Map<String, Duration> appTimeouts, boolean cancelOnDisconnect,
    int maxHeaderValueBytes, int maxHeaderCount, int maxUriBytes, ConnectionSettings connection,
    Duration routingBackoffMin, Duration routingBackoffMax, AccessToken access, HttpsSettings https,
    long bodyBudgetBytes, AccessLogSettings accessLog, RequestHeaders headers, Map<String, Double> traceSampling,
    List<String> locators, boolean jsonRpc) {

  /** The bound on connections per app: more would only load the nodes' accept queues. */
  public static final int MAX_POOL_SIZE = 256;

  public ProxyConfig {
    Objects.requireNonNull(proxy, "proxy");
    Objects.requireNonNull(locatorHost, "locatorHost");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    appTimeouts = Map.copyOf(appTimeouts);
    Objects.requireNonNull(connection, "connection");
    Objects.requireNonNull(routingBackoffMin, "routingBackoffMin");
    Objects.requireNonNull(routingBackoffMax, "routingBackoffMax");
    Objects.requireNonNull(access, "access");
    Objects.requireNonNull(https, "https");
    if (routingBackoffMax.compareTo(routingBackoffMin) < 0) {
      throw new SettingsException("bad value for 'cocaine.proxy.routing-backoff-max': must be at least "
          + "routing-backoff-min (" + routingBackoffMin.toMillis() + " ms), got " + routingBackoffMax.toMillis() + " ms");
    }
    Objects.requireNonNull(accessLog, "accessLog");
    Objects.requireNonNull(headers, "headers");
    traceSampling = Map.copyOf(traceSampling);
    locators = List.copyOf(locators);
    if (locators.isEmpty()) {
      throw new SettingsException("no locator to resolve apps through: set cocaine.proxy.locators");
    }
    long whole = FrameAndBody.wholeBodyBytes(connection.maxFrameBytes(), proxy.maxBodyBytes());
    if (bodyBudgetBytes < whole) {
      throw new SettingsException("bad value for 'cocaine.proxy.body-budget': must be at least the largest body an "
          + "app gets whole (" + whole + " bytes: max-body-bytes, or max-frame-bytes less 1 MiB), so that it can pass "
          + "when alone, got " + bodyBudgetBytes);
    }
    if (proxy.poolSize() < 1 || proxy.poolSize() > MAX_POOL_SIZE) {
      throw new SettingsException("bad value for 'cocaine.proxy.pool-size': must be from 1 to " + MAX_POOL_SIZE
          + ", got " + proxy.poolSize());
    }
  }

  /** Reads the proxy's keys; a bad value throws a {@link SettingsException} naming the key. */
  public static ProxyConfig from(Settings settings) {
    Config c = settings.config();
    String p = "cocaine.proxy.";
    try {
      double fraction = c.getDouble(p + "refresh-fraction");
      if (!(fraction > 0 && fraction <= 1)) {
        throw bad(c, p + "refresh-fraction", "must be in (0, 1]");
      }
      int port = c.getInt(p + "locator-port");
      if (port < 1 || port > 65535) {
        throw bad(c, p + "locator-port", "must be a port from 1 to 65535 (the locator's actual port)");
      }
      return new ProxyConfig(
          settings.proxy(),
          nonEmpty(c, p + "locator-host"),
          port,
          positive(c, p + "connect-timeout"),
          fraction,
          atLeastOne(c, p + "max-waiting", c.getInt(p + "max-waiting")),
          appTimeouts(c, p + "app-timeouts"),
          c.getBoolean(p + "cancel-on-disconnect"),
          atLeastOne(c, p + "max-header-value-bytes", c.getBytes(p + "max-header-value-bytes").intValue()),
          atLeastOne(c, p + "max-header-count", c.getInt(p + "max-header-count")),
          atLeastOne(c, p + "max-uri-bytes", c.getBytes(p + "max-uri-bytes").intValue()),
          ConnectionLimits.of(settings.network()),
          positive(c, p + "routing-backoff-min"),
          positive(c, p + "routing-backoff-max"),
          AccessToken.from(c),
          HttpsSettings.from(c, "cocaine.proxy"),
          bodyBudget(c, p + "body-budget", FrameAndBody.wholeBodyBytes(settings.network().maxFrameBytes(),
              settings.proxy().maxBodyBytes())),
          new AccessLogSettings(c.getBoolean(p + "access-log.enabled"), c.getString(p + "access-log.path").trim(),
              atLeastOne(c, p + "access-log.buffer", c.getBytes(p + "access-log.buffer").intValue()),
              positive(c, p + "access-log.flush")),
          new RequestHeaders(nonEmpty(c, p + "request-id-header"), nonEmpty(c, p + "sticky-header"),
              mappedHeaders(c, p + "mapped-headers")),
          traceSampling(c, p + "trace-sampling"),
          locators(c, p + "locators", nonEmpty(c, p + "locator-host") + ":" + port),
          c.getBoolean(p + "json-rpc"));
    } catch (ConfigException e) {
      throw new SettingsException(e.getMessage(), e);
    }
  }

  /** The same settings resolving through another locator, e.g. one whose port the OS picked. */
  public ProxyConfig withLocator(String host, int port) {
    return new ProxyConfig(proxy, host, port, connectTimeout, refreshFraction, maxWaiting, appTimeouts,
        cancelOnDisconnect, maxHeaderValueBytes, maxHeaderCount, maxUriBytes, connection, routingBackoffMin,
        routingBackoffMax, access, https, bodyBudgetBytes, accessLog, headers, traceSampling,
        List.of(host + ":" + port), jsonRpc);
  }

  /**
   * The request headers the proxy reads by name, and those it passes to apps as v12 headers.
   *
   * @param requestId the header whose hex value is the trace id ({@code X-Request-Id})
   * @param sticky    the header whose value picks a routing group's member ({@code X-Cocaine-Sticky})
   * @param mapped    HTTP header name -> v12 header name sent with the enqueue when the request has it
   */
  public record RequestHeaders(String requestId, String sticky, Map<String, String> mapped) {
    public RequestHeaders {
      mapped = Map.copyOf(mapped);
    }

    /** The names the original proxies used, nothing mapped. */
    public static final RequestHeaders ORIGINAL = new RequestHeaders("X-Request-Id", "X-Cocaine-Sticky", Map.of());
  }

  /** The share of this app's requests (0..1) that carry {@code trace_bit}, when the client does not choose. */
  public double traceShare(String app) {
    return traceSampling.getOrDefault(app, traceSampling.getOrDefault("*", 0.0));
  }

  /**
   * The access log ({@code cocaine.proxy.access-log}).
   *
   * @param enabled     whether requests are logged at all
   * @param path        file the lines are appended to; empty: the runtime's log, logger {@code cocaine.proxy.access}
   * @param bufferBytes lines gathered before they are written in one go
   * @param flush       longest a line waits in the buffer
   */
  public record AccessLogSettings(boolean enabled, String path, int bufferBytes, Duration flush) {}

  /** {@code auto}: an eighth of the heap, and at least the largest body an app gets whole. */
  private static long bodyBudget(Config c, String key, long wholeBodyBytes) {
    if ("auto".equals(c.getValue(key).unwrapped())) {
      return Math.max(wholeBodyBytes, Runtime.getRuntime().maxMemory() / 8);
    }
    long v = c.getBytes(key);
    if (v < 1) {
      throw bad(c, key, "must be a size like 256MiB, or auto");
    }
    return v;
  }

  /** How long a request to app may take: its own timeout or the proxy's. */
  public Duration timeout(String app) {
    return appTimeouts.getOrDefault(app, proxy.timeout());
  }

  private static Map<String, Duration> appTimeouts(Config c, String key) {
    Map<String, Duration> out = new LinkedHashMap<>();
    for (ConfigObject entry : c.getObjectList(key)) {
      Config e = entry.toConfig();
      String rule = "each entry must be { app = \"<name>\", timeout = <duration> }";
      if (!e.hasPath("app") || !e.hasPath("timeout") || entry.size() != 2) {
        throw new SettingsException("bad value for '" + key + "' in " + where(entry) + ": " + rule);
      }
      Duration timeout = e.getDuration("timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new SettingsException("bad value for '" + key + "' in " + where(entry) + ": timeout must be > 0");
      }
      out.put(e.getString("app"), timeout);
    }
    return out;
  }

  private static Map<String, String> mappedHeaders(Config c, String key) {
    Map<String, String> out = new LinkedHashMap<>();
    for (ConfigObject entry : c.getObjectList(key)) {
      Config e = entry.toConfig();
      if (!e.hasPath("http") || !e.hasPath("header") || entry.size() != 2 || e.getString("http").isBlank()
          || e.getString("header").isBlank()) {
        throw new SettingsException("bad value for '" + key + "' in " + where(entry)
            + ": each entry must be { http = \"<HTTP header>\", header = \"<v12 header>\" }, both non-empty");
      }
      out.put(e.getString("http").trim(), e.getString("header").trim());
    }
    return out;
  }

  private static Map<String, Double> traceSampling(Config c, String key) {
    Map<String, Double> out = new LinkedHashMap<>();
    for (ConfigObject entry : c.getObjectList(key)) {
      Config e = entry.toConfig();
      if (!e.hasPath("app") || !e.hasPath("percent") || entry.size() != 2) {
        throw new SettingsException("bad value for '" + key + "' in " + where(entry)
            + ": each entry must be { app = \"<name or *>\", percent = <0 to 100> }");
      }
      double percent = e.getDouble("percent");
      if (!(percent >= 0 && percent <= 100)) {
        throw new SettingsException("bad value for '" + key + "' in " + where(entry)
            + ": percent must be from 0 to 100, got " + percent);
      }
      out.put(e.getString("app"), percent / 100);
    }
    return out;
  }

  /** {@code locators}, or {@code locator-host:locator-port} when the list is empty. */
  private static List<String> locators(Config c, String key, String single) {
    List<String> out = new ArrayList<>();
    for (String l : c.getStringList(key)) {
      int colon = l.lastIndexOf(':');
      int port = -1;
      try {
        port = colon > 0 ? Integer.parseInt(l.substring(colon + 1).trim()) : -1;
      } catch (NumberFormatException e) {
        // reported below
      }
      if (port < 1 || port > 65535) {
        throw bad(c, key, "each locator must be \"host:port\" with a port from 1 to 65535");
      }
      out.add(l.trim());
    }
    return out.isEmpty() ? List.of(single) : out;
  }

  private static String nonEmpty(Config c, String key) {
    String v = c.getString(key).trim();
    if (v.isEmpty()) {
      throw bad(c, key, "must not be empty");
    }
    return v;
  }

  private static Duration positive(Config c, String key) {
    Duration d = c.getDuration(key);
    if (d.isNegative() || d.isZero()) {
      throw bad(c, key, "must be a duration > 0, e.g. 5s");
    }
    return d;
  }

  private static int atLeastOne(Config c, String key, int value) {
    if (value < 1) {
      throw bad(c, key, "must be at least 1");
    }
    return value;
  }

  private static SettingsException bad(Config c, String key, String rule) {
    ConfigValue v = c.getValue(key);
    return new SettingsException("bad value for '" + key + "' in " + where(v) + ": " + rule + ", got "
        + v.render());
  }

  private static String where(ConfigValue v) {
    return v.origin().description();
  }
}
