package cocaine.gateway.nftables;

import cocaine.config.NetworkSettings;
import cocaine.config.Settings;
import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The nftables gateway's settings ({@code cocaine.balancer.listen-host}, {@code cocaine.balancer.nftables.*},
 * virtual ports from {@code cocaine.network.shared-ports}).
 *
 * @param address        virtual IPv4 address clients connect to; empty = every address of the host
 * @param advertisedHost what {@code resolve} hands out
 * @param ports          virtual ports (must be a real range, not [0, 0])
 * @param command        how to run nft, e.g. {@code [nft]} or {@code [ip, netns, exec, lb, nft]}
 * @param masquerade     also SNAT the DNATed connections, so reals need no route back via the balancer
 * @param timeout        longest one {@code nft} run may take
 * @param queueLimit     changes that may wait to be applied before calls are refused
 */
public record NftablesSettings(Optional<String> address, String advertisedHost, NetworkSettings.PortRange ports,
    List<String> command, boolean masquerade, Duration timeout, int queueLimit) {
  public NftablesSettings {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(advertisedHost, "advertisedHost");
    Objects.requireNonNull(ports, "ports");
    command = List.copyOf(command);
    if (command.isEmpty()) {
      throw new IllegalArgumentException("cocaine.balancer.nftables.command must name the nft program");
    }
    if (ports.osAssigned()) {
      throw new IllegalArgumentException("the nftables gateway takes virtual ports from cocaine.network.shared-ports,"
          + " which is [0, 0]: set a range such as [30000, 31000]");
    }
  }

  public static NftablesSettings from(Settings settings) {
    Config c = settings.config().getConfig("cocaine.balancer.nftables");
    String listen = settings.balancer().listenHost();
    boolean wildcard = listen.equals("0.0.0.0");
    if (!wildcard && !listen.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
      throw new IllegalArgumentException("cocaine.balancer.listen-host must be an IPv4 address (or 0.0.0.0) for the"
          + " nftables gateway, got '" + listen + "'");
    }
    return new NftablesSettings(wildcard ? Optional.empty() : Optional.of(listen),
        wildcard ? settings.network().hostname() : listen, settings.network().sharedPorts(),
        c.getStringList("command"), c.getBoolean("masquerade"), c.getDuration("timeout"), c.getInt("queue-limit"));
  }
}
