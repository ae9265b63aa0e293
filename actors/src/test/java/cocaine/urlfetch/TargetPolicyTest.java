package cocaine.urlfetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.config.AddressBlock;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TargetPolicyTest {
  static final TargetPolicy DEFAULT = new TargetPolicy(List.of(), false);

  static InetAddress address(String literal) throws Exception {
    return InetAddress.getByName(literal);
  }

  /** ::ffff:a.b.c.d kept as an IPv6 address (InetAddress.getByName would turn it into IPv4). */
  static InetAddress mapped(String v4) throws Exception {
    byte[] b = new byte[16];
    b[10] = (byte) 0xff;
    b[11] = (byte) 0xff;
    System.arraycopy(address(v4).getAddress(), 0, b, 12, 4);
    return Inet6Address.getByAddress(null, b, -1);
  }

  static String why(TargetPolicy p, InetAddress a) {
    return p.refusal(a).orElse("allowed");
  }

  @Test
  void theNodesOwnAndLinkLocalRangesAreRefusedByDefault() throws Exception {
    assertEquals("a loopback address", why(DEFAULT, address("127.0.0.1")));
    assertEquals("a loopback address", why(DEFAULT, address("127.255.255.254")));
    assertEquals("a loopback address", why(DEFAULT, address("::1")));
    assertEquals("a link-local address", why(DEFAULT, address("169.254.169.254")));
    assertEquals("a link-local address", why(DEFAULT, address("fe80::1")));
    assertEquals("an any-local address", why(DEFAULT, address("0.0.0.0")));
    assertEquals("an any-local address", why(DEFAULT, address("0.1.2.3")));
    assertEquals("an any-local address", why(DEFAULT, address("::")));
    assertEquals("a multicast address", why(DEFAULT, address("224.0.0.1")));
    assertEquals("a multicast address", why(DEFAULT, address("ff02::1")));
  }

  @Test
  void ipv4MappedFormsAreJudgedAsTheirIpv4Address() throws Exception {
    assertTrue(mapped("127.0.0.1") instanceof Inet6Address, "the test address must stay IPv6");
    assertEquals("a loopback address", why(DEFAULT, mapped("127.0.0.1")));
    assertEquals("a link-local address", why(DEFAULT, mapped("169.254.169.254")));
    assertEquals("an any-local address", why(DEFAULT, mapped("0.0.0.0")));
    assertEquals("allowed", why(DEFAULT, mapped("93.184.216.34")));
  }

  @Test
  void publicAndPrivateRangesAreAllowedUntilDenyPrivate() throws Exception {
    TargetPolicy strict = new TargetPolicy(List.of(), true);
    for (String a : new String[] {"10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1", "fd00::1", "fec0::1"}) {
      assertEquals("allowed", why(DEFAULT, address(a)), a);
      assertEquals("a private address (cocaine.services.urlfetch.deny-private = true)", why(strict, address(a)), a);
    }
    for (String a : new String[] {"8.8.8.8", "172.32.0.1", "2001:db8::1", "100.64.0.1"}) {
      assertEquals("allowed", why(strict, address(a)), a);
    }
  }

  @Test
  void allowBlocksLetTheirAddressesThroughAndNoOthers() throws Exception {
    TargetPolicy sidecar = new TargetPolicy(List.of(AddressBlock.parse("127.0.0.1/32").orElseThrow(),
        AddressBlock.parse("10.0.0.0/8").orElseThrow()), true);
    assertEquals("allowed", why(sidecar, address("127.0.0.1")));
    assertEquals("allowed", why(sidecar, mapped("127.0.0.1")));
    assertEquals("a loopback address", why(sidecar, address("127.0.0.2")));
    assertEquals("allowed", why(sidecar, address("10.9.8.7")));
    assertEquals(Optional.of("a private address (cocaine.services.urlfetch.deny-private = true)"),
        sidecar.refusal(address("192.168.0.1")));
  }

  @Test
  void aCheckRefusesWhenAnyResolvedAddressIsRefusedAndNamesItAndTheSetting() throws Exception {
    DEFAULT.check("http://ok/", "ok", new InetAddress[] {address("93.184.216.34"), address("2001:db8::1")});
    CocaineException e = assertThrows(CocaineException.class, () -> DEFAULT.check("http://rebind.example/",
        "rebind.example", new InetAddress[] {address("93.184.216.34"), address("127.0.0.1")}));
    assertEquals(ErrorCode.PERMISSION_DENIED, e.code());
    assertEquals("urlfetch: http://rebind.example/ is refused: rebind.example resolves to 127.0.0.1, a loopback "
        + "address, which urlfetch does not fetch from; to allow it add a block holding it to "
        + "cocaine.services.urlfetch.allow-addresses (e.g. \"127.0.0.1/32\")", e.getMessage());
    CocaineException literal = assertThrows(CocaineException.class, () -> DEFAULT.check("http://[::1]:80/", "[::1]",
        new InetAddress[] {address("::1")}));
    assertTrue(literal.getMessage().contains("refused: 0:0:0:0:0:0:0:1 is a loopback address"), literal.getMessage());
    assertTrue(literal.getMessage().contains("(e.g. \"0:0:0:0:0:0:0:1/128\")"), literal.getMessage());
  }
}
