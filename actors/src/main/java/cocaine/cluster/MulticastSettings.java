package cocaine.cluster;

import cocaine.config.ClusterSettings;
import cocaine.config.Settings;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ProtocolFamily;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where multicast announces go and how (docs/protocol.md 5.2): group, port, period, TTL, loopback and
 * the network interface. Opens the sending and the receiving sockets.
 *
 * @param networkInterface the interface announces leave by and are heard on; empty = the kernel's
 *                         route for the group (sending) and every multicast-capable interface (receiving)
 */
public record MulticastSettings(InetAddress group, int port, Duration interval, boolean loopback, int hops,
    Optional<NetworkInterface> networkInterface) {
  /** Config key (added by this module's reference.conf): interface name or address, "" = automatic. */
  public static final String INTERFACE_KEY = "cocaine.locator.cluster.interface";

  public MulticastSettings {
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(interval, "interval");
    Objects.requireNonNull(networkInterface, "networkInterface");
    if (!group.isMulticastAddress()) {
      throw new IllegalArgumentException(group.getHostAddress() + " is not a multicast address");
    }
    if (interval.isZero() || interval.isNegative()) {
      throw new IllegalArgumentException("interval must be positive, got " + interval);
    }
  }

  /**
   * From {@code cocaine.locator.cluster} and {@code cocaine.locator.cluster.interface}. With no
   * interface configured it takes the one holding {@code cocaine.network.hostname}, so announces
   * leave where this node says it can be reached (with the default 127.0.0.1: loopback only).
   */
  public static MulticastSettings from(Settings settings) {
    ClusterSettings cluster = settings.locator().cluster();
    InetAddress group;
    try {
      group = InetAddress.getByName(cluster.group());
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("cocaine.locator.cluster.group: '" + cluster.group() + "' is not an address", e);
    }
    String configured = settings.config().hasPath(INTERFACE_KEY) ? settings.config().getString(INTERFACE_KEY) : "";
    Optional<NetworkInterface> nif = configured.isEmpty()
        ? interfaceOf(settings.network().hostname())
        : Optional.of(namedInterface(configured));
    return new MulticastSettings(group, cluster.port(), cluster.interval(), cluster.loopback(), cluster.hops(), nif);
  }

  /** An interface by name ("eth0", "lo") or by one of its addresses. */
  public static NetworkInterface namedInterface(String nameOrAddress) {
    try {
      NetworkInterface byName = NetworkInterface.getByName(nameOrAddress);
      if (byName != null) {
        return byName;
      }
      NetworkInterface byAddress = NetworkInterface.getByInetAddress(InetAddress.getByName(nameOrAddress));
      if (byAddress != null) {
        return byAddress;
      }
    } catch (IOException e) {
      // reported below with the key's name
    }
    throw new IllegalArgumentException(INTERFACE_KEY + ": no network interface named or holding '" + nameOrAddress + "'");
  }

  private static Optional<NetworkInterface> interfaceOf(String hostname) {
    try {
      return Optional.ofNullable(NetworkInterface.getByInetAddress(InetAddress.getByName(hostname)));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private ProtocolFamily family() {
    return group instanceof Inet6Address ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
  }

  /** An unbound socket that sends to the group with this TTL, loopback and interface. */
  public DatagramChannel openSender() throws IOException {
    DatagramChannel ch = DatagramChannel.open(family());
    try {
      ch.setOption(StandardSocketOptions.IP_MULTICAST_TTL, hops);
      ch.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, loopback);
      if (networkInterface.isPresent()) {
        ch.setOption(StandardSocketOptions.IP_MULTICAST_IF, networkInterface.get());
      }
      return ch;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /**
   * A blocking socket bound to the wildcard address on {@code port} (shared with other listeners
   * on this host) that joined the group on the interface, or on every multicast-capable one.
   */
  public DatagramChannel openReceiver() throws IOException {
    DatagramChannel ch = DatagramChannel.open(family());
    try {
      ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      ch.bind(new InetSocketAddress(port));
      List<NetworkInterface> joinOn = networkInterface.map(List::of).orElseGet(MulticastSettings::multicastInterfaces);
      List<String> joined = new ArrayList<>();
      IOException last = null;
      for (NetworkInterface nif : joinOn) {
        try {
          ch.join(group, nif);
          joined.add(nif.getName());
        } catch (IOException e) {
          last = e;
        }
      }
      if (joined.isEmpty()) {
        throw new IOException("cannot join multicast group " + group.getHostAddress() + " on " + names(joinOn)
            + (last != null ? ": " + last.getMessage() : ""), last);
      }
      return ch;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /** The group as "host:port", for logs. */
  public String target() {
    return (group instanceof Inet6Address ? "[" + group.getHostAddress() + "]" : group.getHostAddress()) + ":" + port;
  }

  private static List<NetworkInterface> multicastInterfaces() {
    List<NetworkInterface> out = new ArrayList<>();
    try {
      for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (nif.isUp() && nif.supportsMulticast()) {
          out.add(nif);
        }
      }
      if (out.isEmpty()) {
        NetworkInterface lo = NetworkInterface.getByName("lo");
        if (lo != null) {
          out.add(lo);
        }
      }
    } catch (SocketException e) {
      // no interfaces to list: the join below reports it
    }
    return out;
  }

  private static String names(List<NetworkInterface> nifs) {
    return nifs.isEmpty() ? "no interface" : nifs.stream().map(NetworkInterface::getName).toList().toString();
  }
}
