package cocaine.gateway.userspace;

import cocaine.config.NetworkSettings;
import cocaine.config.Settings;
import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Objects;

/**
 * Bounds and addresses of the userspace gateway ({@code cocaine.balancer.listen-host},
 * {@code cocaine.balancer.userspace.*}, ports from {@code cocaine.network.shared-ports}).
 *
 * @param listenHost     address the virtual services listen on
 * @param advertisedHost address {@code resolve} hands out; {@code network.hostname} when listening on a wildcard
 * @param ports          where virtual ports come from ([0, 0] = OS-assigned)
 * @param connectTimeout longest wait for a real to accept; then the next real is tried
 * @param downTime       how long a real that refused a connection is skipped
 * @param maxConnections relayed connections open at once; more are closed at once with a log line
 * @param attempts       reals tried for one client connection before it is closed
 * @param bufferBytes    bytes one direction of a relayed connection holds; a full buffer stops reading the sender
 */
public record UserspaceSettings(String listenHost, String advertisedHost, NetworkSettings.PortRange ports,
    Duration connectTimeout, Duration downTime, int maxConnections, int attempts, int bufferBytes) {
  /** Largest buffer-size: two per connection, times max-connections, is direct memory. */
  static final int MAX_BUFFER_BYTES = 16 << 20;

  public UserspaceSettings {
    Objects.requireNonNull(listenHost, "listenHost");
    Objects.requireNonNull(advertisedHost, "advertisedHost");
    Objects.requireNonNull(ports, "ports");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(downTime, "downTime");
    if (bufferBytes < 1024 || bufferBytes > MAX_BUFFER_BYTES) {
      throw new IllegalArgumentException("cocaine.balancer.userspace.buffer-size " + bufferBytes
          + " must be between 1 KiB and 16 MiB (two such buffers of direct memory per relayed connection)");
    }
    if (maxConnections < 1 || attempts < 1) {
      throw new IllegalArgumentException("maxConnections " + maxConnections + " and attempts " + attempts + " must be >= 1");
    }
  }

  public static UserspaceSettings from(Settings settings) {
    Config c = settings.config().getConfig("cocaine.balancer.userspace");
    String listen = settings.balancer().listenHost();
    boolean wildcard = listen.equals("0.0.0.0") || listen.equals("::") || listen.equals("[::]");
    return new UserspaceSettings(listen, wildcard ? settings.network().hostname() : listen,
        settings.network().sharedPorts(), c.getDuration("connect-timeout"), c.getDuration("down-time"),
        c.getInt("max-connections"), c.getInt("attempts"),
        (int) Math.min(Integer.MAX_VALUE, c.getBytes("buffer-size")));
  }
}
