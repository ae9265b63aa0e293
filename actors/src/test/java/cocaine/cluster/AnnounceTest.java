package cocaine.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.locator.Endpoint;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Values;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnnounceTest {
  static byte[] hex(String h) {
    return HexFormat.of().parseHex(h.replace(" ", ""));
  }

  @Test
  void encodesTheBytesOfTheOriginalExample() {
    // docs/protocol.md 5.2: 92 a9 "3f1c-uuid" 91 92 a8 "10.0.0.1" cd 27 45
    byte[] expected = concat(hex("92 a9"), "3f1c-uuid".getBytes(StandardCharsets.US_ASCII), hex("91 92 a8"),
        "10.0.0.1".getBytes(StandardCharsets.US_ASCII), hex("cd 27 45"));
    assertArrayEquals(expected, new Announce("3f1c-uuid", List.of(new Endpoint("10.0.0.1", 10053))).encode());
  }

  @Test
  void decodesWhatItEncodesIncludingIpv6AndSeveralEndpoints() {
    Announce a = new Announce("node-a", List.of(new Endpoint("::1", 10053), new Endpoint("192.0.2.7", 1)));
    byte[] bytes = a.encode();
    assertEquals(a, Announce.decode(bytes, bytes.length));
  }

  @Test
  void readsOnlyTheGivenLengthOfTheBuffer() {
    byte[] bytes = new Announce("n", List.of(new Endpoint("h", 2))).encode();
    byte[] buffer = new byte[bytes.length + 10];
    System.arraycopy(bytes, 0, buffer, 0, bytes.length);
    assertEquals("n", Announce.decode(buffer, bytes.length).uuid());
  }

  @Test
  void malformedAnnouncesAreRefusedWithAReason() {
    assertRefused(hex("c1"), "not msgpack");
    assertRefused(FrameEncoder.encodeValue(Values.array(Values.str("x"))), "expected [uuid: str");
    assertRefused(FrameEncoder.encodeValue(Values.array(Values.integer(1), Values.array())), "expected [uuid: str");
    assertRefused(FrameEncoder.encodeValue(Values.array(Values.str("x"), Values.array())), "announced 0 endpoints");
    assertRefused(FrameEncoder.encodeValue(Values.array(Values.str("x"),
        Values.array(Values.array(Values.str("h"), Values.integer(70000))))), "port 1..65535");
    assertRefused(FrameEncoder.encodeValue(Values.array(Values.str("x"),
        Values.array(Values.array(Values.str("h"))))), "expected [uuid: str");
    assertRefused(FrameEncoder.encodeValue(Values.array(Values.str(""), Values.array())), "uuid must be");
    byte[] ok = new Announce("n", List.of(new Endpoint("h", 2))).encode();
    assertRefused(concat(ok, hex("c0")), "trailing bytes");
    assertRefused(java.util.Arrays.copyOf(ok, ok.length - 1), "not msgpack");
  }

  private static void assertRefused(byte[] datagram, String reason) {
    Announce.MalformedAnnounceException e = assertThrows(Announce.MalformedAnnounceException.class,
        () -> Announce.decode(datagram, datagram.length));
    assertTrue(e.getMessage().contains(reason), e.getMessage());
  }

  static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }
}
