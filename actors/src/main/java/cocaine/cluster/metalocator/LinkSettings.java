package cocaine.cluster.metalocator;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link Link} follows one node ({@code cocaine.balancer.link.*}).
 *
 * @param handshakeTimeout longest wait from the TCP connect to the node's first {@code connect} write
 * @param backoffBase      first reconnect delay; each further failure doubles it
 * @param backoffMax       longest reconnect delay (32 s in the original)
 */
public record LinkSettings(Duration handshakeTimeout, Duration backoffBase, Duration backoffMax) {
  public LinkSettings {
    Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
    Objects.requireNonNull(backoffBase, "backoffBase");
    Objects.requireNonNull(backoffMax, "backoffMax");
    if (backoffBase.isNegative() || backoffBase.isZero() || backoffMax.compareTo(backoffBase) < 0) {
      throw new IllegalArgumentException("need 0 < backoff-base <= backoff-max, got " + backoffBase + " and " + backoffMax);
    }
  }

  static LinkSettings from(Config balancer) {
    Config c = balancer.getConfig("link");
    return new LinkSettings(c.getDuration("handshake-timeout"), c.getDuration("backoff-base"), c.getDuration("backoff-max"));
  }

  /** The delay before reconnecting after {@code failures} failures in a row (1 -> base, 2 -> 2 x base, ...). */
  public Duration backoff(int failures) {
    int doublings = Math.max(0, Math.min(failures - 1, 30));
    Duration d = backoffBase.multipliedBy(1L << doublings);
    return d.compareTo(backoffMax) > 0 ? backoffMax : d;
  }
}
