package cocaine.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AddressBlockTest {
  static AddressBlock block(String text) {
    return AddressBlock.parse(text).orElseThrow(() -> new AssertionError("not a block: " + text));
  }

  static InetAddress address(String literal) throws Exception {
    return InetAddress.getByName(literal);
  }

  @Test
  void blocksOfBothFamiliesAndBareAddressesAreParsed() {
    assertEquals("127.0.0.0/8", block("127.0.0.0/8").toString());
    assertEquals("10.1.2.3/32", block(" 10.1.2.3 ").toString());
    assertEquals("fe80:0:0:0:0:0:0:0/10", block("fe80::/10").toString());
    assertEquals("0:0:0:0:0:0:0:1/128", block("::1").toString());
    assertEquals("127.0.0.0/8", block("::ffff:127.0.0.0/104").toString(), "an IPv4-mapped block is its IPv4 block");
    assertEquals("127.0.0.1/32", block("::ffff:127.0.0.1").toString());
  }

  @Test
  void hostNamesBadOctetsAndBadPrefixesAreRefusedWithoutAskingDns() {
    for (String bad : new String[] {"", "localhost", "example.org/8", "256.0.0.1", "10.0.0/8", "10.0.0.0/33",
        "10.0.0.0/-1", "10.0.0.0/x", "::1/129", "fe80::zz/10", "::ffff:127.0.0.1/95"}) {
      assertEquals(Optional.empty(), AddressBlock.parse(bad), bad);
    }
  }

  @Test
  void containsComparesThePrefixBitsOfTheSameFamilyOnly() throws Exception {
    AddressBlock b = block("172.16.0.0/12");
    assertTrue(b.contains(address("172.16.0.0")));
    assertTrue(b.contains(address("172.31.255.255")));
    assertFalse(b.contains(address("172.32.0.0")));
    assertFalse(b.contains(address("172.15.255.255")));
    assertTrue(block("0.0.0.0/0").contains(address("8.8.8.8")));
    assertFalse(block("0.0.0.0/0").contains(address("::1")), "an IPv4 block holds no IPv6 address");
    assertTrue(block("fe80::/10").contains(address("febf::1")));
    assertFalse(block("fe80::/10").contains(address("fec0::1")));
    assertTrue(block("127.0.0.1").contains(address("127.0.0.1")));
    assertFalse(block("127.0.0.1").contains(address("127.0.0.2")));
  }
}
