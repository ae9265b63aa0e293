package cocaine.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A block of IP addresses written as CIDR ({@code 127.0.0.0/8}, {@code fe80::/10}; a bare address
 * is the block of that one address), as a setting names it. Only literals: parsing never asks DNS.
 */
public record AddressBlock(byte[] network, int prefix) {
  private static final Pattern V4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

  public AddressBlock {
    if (network.length != 4 && network.length != 16 || prefix < 0 || prefix > network.length * 8) {
      throw new IllegalArgumentException("a block is an IPv4 or IPv6 address and a prefix of at most its bits, got "
          + network.length + " bytes /" + prefix);
    }
    network = network.clone();
  }

  /** {@code text} as a block, or empty when it is not an IP literal with an optional {@code /prefix}. */
  public static Optional<AddressBlock> parse(String text) {
    String s = text.trim();
    int slash = s.indexOf('/');
    String address = slash < 0 ? s : s.substring(0, slash);
    byte[] bytes = literal(address);
    if (bytes == null) {
      return Optional.empty();
    }
    int bits = bytes.length * 8;
    int prefix = bits;
    if (slash >= 0) {
      try {
        prefix = Integer.parseInt(s.substring(slash + 1));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
      if (bytes.length == 4 && address.contains(":")) {
        prefix -= 96; // ::ffff:a.b.c.d/n, which the JDK reads as an IPv4 address
      }
    }
    return prefix < 0 || prefix > bits ? Optional.empty() : Optional.of(new AddressBlock(bytes, prefix));
  }

  /** Whether {@code a} is in this block; an address of the other family never is. */
  public boolean contains(InetAddress a) {
    byte[] b = a.getAddress();
    if (b.length != network.length) {
      return false;
    }
    for (int bit = 0; bit < prefix; bit += 8) {
      int mask = prefix - bit >= 8 ? 0xff : (0xff << (8 - (prefix - bit))) & 0xff;
      if ((b[bit / 8] & mask) != (network[bit / 8] & mask)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AddressBlock other && other.prefix == prefix && java.util.Arrays.equals(other.network, network);
  }

  @Override
  public int hashCode() {
    return 31 * java.util.Arrays.hashCode(network) + prefix;
  }

  @Override
  public String toString() {
    try {
      return InetAddress.getByAddress(network).getHostAddress() + "/" + prefix;
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // the constructor checked the length
    }
  }

  @Override
  public byte[] network() {
    return network.clone();
  }

  private static byte[] literal(String address) {
    Matcher v4 = V4.matcher(address);
    if (v4.matches()) {
      byte[] b = new byte[4];
      for (int i = 0; i < 4; i++) {
        int octet = Integer.parseInt(v4.group(i + 1));
        if (octet > 255) {
          return null;
        }
        b[i] = (byte) octet;
      }
      return b;
    }
    if (!address.contains(":") || !address.matches("[0-9A-Fa-f:.]+")) {
      return null; // no ':' could be a host name, which getByName would look up
    }
    try {
      return InetAddress.getByName(address).getAddress();
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
