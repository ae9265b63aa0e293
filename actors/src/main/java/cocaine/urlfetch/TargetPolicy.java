package cocaine.urlfetch;

import cocaine.config.AddressBlock;
import cocaine.config.ServicesSettings;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Which addresses urlfetch may connect to, so that it is no open proxy into the node's own network:
 * never a loopback, link-local (cloud metadata at 169.254.169.254), any-local or multicast address,
 * nor their IPv4-mapped IPv6 forms; private ranges only while {@code denyPrivate} is off; and any
 * address in an {@code allow} block whatever its range.
 */
record TargetPolicy(List<AddressBlock> allow, boolean denyPrivate) {
  private static final AddressBlock UNIQUE_LOCAL = AddressBlock.parse("fc00::/7").orElseThrow();
  private static final AddressBlock THIS_NETWORK = AddressBlock.parse("0.0.0.0/8").orElseThrow();

  TargetPolicy {
    allow = List.copyOf(allow);
  }

  static TargetPolicy of(ServicesSettings.Urlfetch settings) {
    return new TargetPolicy(settings.allowAddresses(), settings.denyPrivate());
  }

  /** Why {@code address} is refused ("a loopback address"), or empty when it may be fetched from. */
  Optional<String> refusal(InetAddress address) {
    InetAddress a = unmapped(address);
    if (allow.stream().anyMatch(b -> b.contains(a) || b.contains(address))) {
      return Optional.empty();
    }
    if (a.isLoopbackAddress()) {
      return Optional.of("a loopback address");
    }
    if (a.isLinkLocalAddress()) {
      return Optional.of("a link-local address");
    }
    if (a.isAnyLocalAddress() || THIS_NETWORK.contains(a)) {
      return Optional.of("an any-local address");
    }
    if (a.isMulticastAddress()) {
      return Optional.of("a multicast address");
    }
    if (denyPrivate && (a.isSiteLocalAddress() || UNIQUE_LOCAL.contains(a))) {
      return Optional.of("a private address (cocaine.services.urlfetch.deny-private = true)");
    }
    return Optional.empty();
  }

  /**
   * Passes when every address {@code host} resolved to may be fetched from; otherwise [9, 3] naming
   * the hop, the first refused address and the setting that would allow it.
   */
  void check(String hop, String host, InetAddress[] resolved) {
    for (InetAddress a : resolved) {
      Optional<String> why = refusal(a);
      if (why.isPresent()) {
        String literal = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        String what = AddressBlock.parse(literal).isPresent() ? a.getHostAddress() + " is"
            : host + " resolves to " + a.getHostAddress() + ",";
        throw new CocaineException(ErrorCode.PERMISSION_DENIED, "urlfetch: " + hop + " is refused: " + what + " "
            + why.get() + ", which urlfetch does not fetch from; to allow it add a block holding it to "
            + "cocaine.services.urlfetch.allow-addresses (e.g. \"" + unmapped(a).getHostAddress() + "/"
            + (unmapped(a) instanceof Inet4Address ? 32 : 128) + "\")");
      }
    }
  }

  /** The IPv4 address inside an IPv4-mapped IPv6 one (::ffff:a.b.c.d), else {@code a} itself. */
  static InetAddress unmapped(InetAddress a) {
    byte[] b = a.getAddress();
    if (b.length == 16 && Arrays.equals(b, 0, 10, new byte[10], 0, 10) && b[10] == (byte) 0xff
        && b[11] == (byte) 0xff) {
      try {
        return InetAddress.getByAddress(Arrays.copyOfRange(b, 12, 16));
      } catch (UnknownHostException e) {
        throw new IllegalStateException(e); // four bytes are an IPv4 address
      }
    }
    return a;
  }
}
