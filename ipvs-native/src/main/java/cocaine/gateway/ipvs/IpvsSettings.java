package cocaine.gateway.ipvs;

import cocaine.config.NetworkSettings;
import cocaine.config.Settings;
import com.typesafe.config.Config;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;

/**
 * The IPVS gateway's settings ({@code cocaine.balancer.listen-host}, {@code cocaine.balancer.ipvs.*},
 * virtual ports from {@code cocaine.network.shared-ports}; ECOSYSTEM.md 4).
 *
 * @param address      the virtual IPv4 address (listen-host, or network.hostname when that is 0.0.0.0)
 * @param ports        virtual ports (must be a real range, not [0, 0])
 * @param scheduler    IPVS scheduler of every virtual service (wlc, rr, ...)
 * @param weight       weight of every real
 * @param flushAtStart flush the whole IPVS table at start, as the original did (it owns the table)
 * @param timeout      longest wait for the kernel's answer to one command
 * @param queueLimit   changes that may wait before calls are refused
 */
public record IpvsSettings(Inet4Address address, NetworkSettings.PortRange ports, String scheduler, int weight,
    boolean flushAtStart, Duration timeout, int queueLimit) {
  public IpvsSettings {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(ports, "ports");
    Objects.requireNonNull(scheduler, "scheduler");
    if (ports.osAssigned()) {
      throw new IllegalArgumentException("the ipvs gateway takes virtual ports from cocaine.network.shared-ports,"
          + " which is [0, 0]: set a range such as [30000, 31000]");
    }
    if (scheduler.isEmpty() || scheduler.length() > 15) {
      throw new IllegalArgumentException("cocaine.balancer.ipvs.scheduler must be 1..15 characters, got '" + scheduler + "'");
    }
    if (weight < 1) {
      throw new IllegalArgumentException("cocaine.balancer.ipvs.weight must be >= 1, got " + weight);
    }
  }

  public static IpvsSettings from(Settings settings) {
    Config c = settings.config().getConfig("cocaine.balancer.ipvs");
    String listen = settings.balancer().listenHost();
    String host = listen.equals("0.0.0.0") ? settings.network().hostname() : listen;
    InetAddress a;
    try {
      a = InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("the ipvs gateway's virtual address '" + host + "' does not resolve", e);
    }
    if (!(a instanceof Inet4Address v4)) {
      throw new IllegalArgumentException("the ipvs gateway needs an IPv4 virtual address, got '" + host + "'");
    }
    return new IpvsSettings(v4, settings.network().sharedPorts(), c.getString("scheduler"), c.getInt("weight"),
        c.getBoolean("flush-at-start"), c.getDuration("timeout"), c.getInt("queue-limit"));
  }
}
