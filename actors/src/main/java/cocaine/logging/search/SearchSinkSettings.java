package cocaine.logging.search;

import cocaine.config.Settings;
import cocaine.config.SettingsException;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Where and how the search-engine sink ships log records ({@code cocaine.logging.search.*}).
 *
 * @param url            base URL of an Elasticsearch 7/8 or OpenSearch 1/2 node; {@code user:password@} in it
 *                       becomes basic authentication
 * @param indexPrefix    daily indices are {@code <prefix>YYYY.MM.DD}
 * @param node           the {@code node} field of every document
 * @param batchSize      most records in one {@code _bulk} request
 * @param flushInterval  longest a record waits for its batch to fill
 * @param queueLimit     records waiting to be shipped; more are dropped, counted and reported
 * @param requestTimeout longest wait for one HTTP request
 * @param backoffMin     first wait after a failed request; doubled after each failure ...
 * @param backoffMax     ... up to this
 * @param reportInterval drops are reported (log line and a document) at most this often
 * @param closeTimeout   at stop, longest time spent shipping what is still queued
 * @param replicas       replicas of the daily indices (0 for a one-node engine)
 * @param workerOutput   also ship the lines workers print, as records of source {@code app/<name>}
 */
public record SearchSinkSettings(URI url, String indexPrefix, String node, int batchSize, Duration flushInterval,
    int queueLimit, Duration requestTimeout, Duration backoffMin, Duration backoffMax, Duration reportInterval,
    Duration closeTimeout, int replicas, boolean workerOutput) {
  public static final String SECTION = "cocaine.logging.search";

  public SearchSinkSettings {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(indexPrefix, "indexPrefix");
    Objects.requireNonNull(node, "node");
    if (batchSize < 1 || queueLimit < 1 || replicas < 0) {
      throw new IllegalArgumentException("batchSize " + batchSize + " and queueLimit " + queueLimit
          + " must be >= 1, replicas " + replicas + " >= 0");
    }
    for (Duration d : new Duration[] {flushInterval, requestTimeout, backoffMin, backoffMax, reportInterval, closeTimeout}) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("durations must be > 0, got " + d);
      }
    }
    if (backoffMax.compareTo(backoffMin) < 0) {
      throw new IllegalArgumentException("backoffMax " + backoffMax + " < backoffMin " + backoffMin);
    }
  }

  /**
   * The sink's settings, or empty when {@code cocaine.logging.search.url} is empty (no sink).
   *
   * @throws SettingsException naming the key and where it was set when a value is unusable
   */
  public static Optional<SearchSinkSettings> from(Settings settings) {
    return from(settings.config(), settings.network().hostname());
  }

  /** Like {@link #from(Settings)} from the whole config; {@code hostname} is the default node name. */
  public static Optional<SearchSinkSettings> from(Config config, String hostname) {
    Config c = config.getConfig(SECTION);
    try {
      String url = c.getString("url").trim();
      if (url.isEmpty()) {
        return Optional.empty();
      }
      String node = c.getString("node").trim();
      return Optional.of(new SearchSinkSettings(
          parseUrl(c, url),
          indexPrefix(c),
          node.isEmpty() ? hostname : node,
          atLeast(c, "batch-size", 1),
          positive(c, "flush-interval"),
          atLeast(c, "queue-limit", 1),
          positive(c, "request-timeout"),
          positive(c, "backoff-min"),
          backoffMax(c),
          positive(c, "report-interval"),
          positive(c, "close-timeout"),
          atLeast(c, "replicas", 0),
          c.getBoolean("worker-output")));
    } catch (ConfigException e) {
      throw new SettingsException(e.getMessage(), e);
    }
  }

  private static URI parseUrl(Config c, String url) {
    try {
      URI uri = new URI(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
        throw refuse(c, "url", "must be an http:// or https:// URL of the engine, e.g. http://127.0.0.1:9200, got '" + url + "'");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw refuse(c, "url", "is not a URL: " + e.getMessage());
    }
  }

  private static String indexPrefix(Config c) {
    String prefix = c.getString("index-prefix");
    // the engine's own rules for index names: lower case, no separators or wildcards
    if (prefix.isEmpty() || !prefix.matches("[a-z0-9][a-z0-9._-]*")) {
      throw refuse(c, "index-prefix", "must be lower-case letters, digits, '.', '_' or '-', starting with a letter or"
          + " digit, got '" + prefix + "'");
    }
    return prefix;
  }

  private static int atLeast(Config c, String key, int min) {
    int v = c.getInt(key);
    if (v < min) {
      throw refuse(c, key, "must be >= " + min + ", got " + v);
    }
    return v;
  }

  private static Duration positive(Config c, String key) {
    Duration d = c.getDuration(key);
    if (d.isNegative() || d.isZero()) {
      throw refuse(c, key, "must be > 0, got " + d);
    }
    return d;
  }

  private static Duration backoffMax(Config c) {
    Duration max = positive(c, "backoff-max");
    if (max.compareTo(c.getDuration("backoff-min")) < 0) {
      throw refuse(c, "backoff-max", "must be >= backoff-min (" + c.getDuration("backoff-min") + "), got " + max);
    }
    return max;
  }

  private static SettingsException refuse(Config c, String key, String problem) {
    return new SettingsException(c.getValue(key).origin().description() + ": " + SECTION + "." + key + " " + problem);
  }
}
