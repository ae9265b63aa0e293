package cocaine.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The HTTP front end ({@code cocaine.proxy}).
 *
 * @param host          listen address
 * @param port          listen port
 * @param poolSize      connections kept per app
 * @param refreshPeriod how often each app's pool re-resolves the app
 * @param timeout       longest an HTTP request may take end to end
 * @param maxBodyBytes  largest request body accepted; one that fits also fits one frame ({@link FrameAndBody})
 * @param retries       retries on another connection while no response byte was sent
 */
public record ProxySettings(String host, int port, int poolSize, Duration refreshPeriod, Duration timeout,
    long maxBodyBytes, int retries) {

  public ProxySettings {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(refreshPeriod, "refreshPeriod");
    Objects.requireNonNull(timeout, "timeout");
  }

  static ProxySettings from(SettingsReader r, long maxBodyBytes) {
    return new ProxySettings(
        r.nonEmptyString("host"),
        r.port("port"),
        (int) r.integer("pool-size", 1, 65535),
        r.duration("refresh-period"),
        r.duration("timeout"),
        maxBodyBytes,
        (int) r.integer("retries", 0, 100));
  }
}
