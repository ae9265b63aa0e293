package cocaine.config;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The small services a node may publish beside storage and logging ({@code cocaine.services}):
 * {@code urlfetch}, {@code chrono}, {@code cache}, {@code metrics} and {@code uniresis}, each on or
 * off and with the bounds that keep one caller from taking the node's memory or sockets.
 */
public record ServicesSettings(Urlfetch urlfetch, Chrono chrono, Cache cache, boolean metrics, Uniresis uniresis) {
  /**
   * @param connectionsLimit requests fetched at once; one more is refused with [12, 11]
   * @param maxBodyBytes     largest response body (and request body of post); a bigger one is an error
   * @param maxRedirects     redirects followed before the fetch fails (a redirect loop stops there)
   * @param maxTimeout       the longest timeout a caller may ask for
   * @param allowAddresses   blocks fetched from even when in a range refused by default (loopback...)
   * @param denyPrivate      whether private ranges (10/8, 172.16/12, 192.168/16, fc00::/7) are refused too
   */
  public record Urlfetch(boolean enabled, int connectionsLimit, int maxBodyBytes, int maxRedirects,
      Duration maxTimeout, List<AddressBlock> allowAddresses, boolean denyPrivate) {
    public Urlfetch {
      allowAddresses = List.copyOf(allowAddresses);
    }
  }

  /**
   * @param maxTimersPerConnection timers one connection may hold; one more is refused with [12, 11]
   * @param minInterval            the shortest interval accepted, so a timer cannot spin the node
   */
  public record Chrono(boolean enabled, int maxTimersPerConnection, Duration minInterval) {}

  /** @param maxBytes keys and values held at most; the least recently used go first */
  public record Cache(boolean enabled, long maxBytes) {}

  /**
   * @param stateDir where the node's stable uuid is kept (file {@code uniresis.uuid})
   * @param cpuCount what cpu_count answers; 0 = the processors the JVM sees
   */
  public record Uniresis(boolean enabled, Path stateDir, int cpuCount) {}

  /** Reads {@code cocaine.services} from a merged, checked config ({@link Settings#config()}). */
  public static ServicesSettings from(Config merged) {
    SettingsReader r = new SettingsReader(merged, "cocaine").section("services");
    SettingsReader u = r.section("urlfetch");
    SettingsReader c = r.section("chrono");
    SettingsReader k = r.section("cache");
    SettingsReader n = r.section("uniresis");
    return new ServicesSettings(
        new Urlfetch(u.bool("enabled"), (int) u.integer("connections-limit", 1, 10_000),
            (int) u.bytes("max-body-bytes", 1, Integer.MAX_VALUE - 8), (int) u.integer("max-redirects", 0, 100),
            u.duration("max-timeout"), u.list("allow-addresses", "must be an IP address or a CIDR block such as "
                + "\"127.0.0.1/32\" or \"fd00::/8\"", AddressBlock::parse), u.bool("deny-private")),
        new Chrono(c.bool("enabled"), (int) c.integer("max-timers-per-connection", 1, 1_000_000),
            c.duration("min-interval")),
        new Cache(k.bool("enabled"), k.bytes("max-bytes", 1, Long.MAX_VALUE)),
        r.section("metrics").bool("enabled"),
        new Uniresis(n.bool("enabled"), Path.of(n.nonEmptyString("state-dir")),
            (int) n.integer("cpu-count", 0, 1_000_000)));
  }
}
