package cocaine.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.locator.Endpoint;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Values;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.Value;

class AnnounceGateTest {
  static final byte[] SECRET = "a-cluster-key-of-32-bytes-000000".getBytes(StandardCharsets.UTF_8);
  static final Duration WINDOW = Duration.ofSeconds(30);
  static final long NOW = 1_800_000_000_000L;
  static final Announce NODE = new Announce("node-a", List.of(new Endpoint("10.0.0.1", 10053)));

  final AnnounceKey key = AnnounceKey.of(SECRET, WINDOW);
  final AnnounceGate gate = AnnounceGate.signedWith(key);

  static byte[] signed(AnnounceKey key, Announce announce, long timestamp, long sequence) {
    return key.sign(announce.encode(), timestamp, sequence);
  }

  static AnnounceGate.Verdict check(AnnounceGate gate, byte[] datagram, long now) {
    return gate.check(datagram, datagram.length, now);
  }

  static void assertRefused(AnnounceGate.Verdict verdict, String... fragments) {
    AnnounceGate.Refused refused = assertInstanceOf(AnnounceGate.Refused.class, verdict, String.valueOf(verdict));
    for (String f : fragments) {
      assertTrue(refused.reason().contains(f), refused.reason());
    }
  }

  @Test
  void anAnnounceSignedWithTheKeyIsAdmitted() {
    AnnounceGate.Verdict v = check(gate, signed(key, NODE, NOW, 0), NOW);
    assertEquals(NODE, assertInstanceOf(AnnounceGate.Admitted.class, v).announce());
  }

  @Test
  void anUnsignedAnnounceIsRefusedNamingTheNodeAndTheKey() {
    assertRefused(check(gate, NODE.encode(), NOW), "unsigned announce of node 'node-a'",
        "cocaine.locator.cluster.announce-key");
  }

  @Test
  void anAnnounceSignedWithAnotherKeyIsRefused() {
    AnnounceKey other = AnnounceKey.of("another-key-of-32-bytes-00000000".getBytes(StandardCharsets.UTF_8), WINDOW);
    assertRefused(check(gate, signed(other, NODE, NOW, 0), NOW), "wrongly signed announce of node 'node-a'");
  }

  @Test
  void anAlteredAnnounceOrSignatureIsRefused() {
    byte[] datagram = signed(key, NODE, NOW, 0);
    // another endpoint under the node's signature: "10.0.0.1" -> "10.0.0.9"
    byte[] endpoint = datagram.clone();
    endpoint[indexOf(endpoint, "10.0.0.1") + 7] = '9';
    assertRefused(check(gate, endpoint, NOW), "wrongly signed announce of node 'node-a'");
    // the node's mac under another timestamp
    int payload = NODE.encode().length;
    byte[] timestamp = resigned(datagram, payload, NOW + 1, 0, Arrays.copyOfRange(datagram, datagram.length - 32, datagram.length));
    assertRefused(check(gate, timestamp, NOW), "wrongly signed announce");
    byte[] mac = datagram.clone();
    mac[mac.length - 1] ^= 1;
    assertRefused(check(gate, mac, NOW), "wrongly signed announce");
  }

  @Test
  void aReplayedAnnounceIsRefusedInsideTheWindowAndAStaleOneOutsideIt() {
    byte[] first = signed(key, NODE, NOW, 7);
    assertInstanceOf(AnnounceGate.Admitted.class, check(gate, first, NOW));
    assertRefused(check(gate, first, NOW + 1000), "replayed announce of node 'node-a'", "sequence 7");
    // an older announce of the node, captured earlier, is refused as well
    assertRefused(check(gate, signed(key, NODE, NOW - 5000, 6), NOW + 1000), "replayed announce");
    // and any announce beyond the window, whatever the node's history
    assertRefused(check(gate, signed(key, NODE, NOW, 8), NOW + WINDOW.toMillis() + 1), "stale announce of node 'node-a'",
        "announce-window");
    assertRefused(check(gate, signed(key, NODE, NOW + WINDOW.toMillis() + 1, 9), NOW), "stale announce",
        "ahead of this host's clock");
    // the node's next announce goes through
    assertInstanceOf(AnnounceGate.Admitted.class, check(gate, signed(key, NODE, NOW + 5000, 8), NOW + 5000));
  }

  @Test
  void aSignedAnnounceBeginsWithTheOriginalsBytesAndAnOriginalParserReadsIt() throws IOException {
    byte[] datagram = signed(key, NODE, NOW, 3);
    byte[] original = NODE.encode();
    assertArrayEquals(original, Arrays.copyOf(datagram, original.length), "the original's bytes come first");
    // the original runtime unpacks one msgpack object from the datagram and ignores what follows
    // (msgpack-c's unpack accepts UNPACK_EXTRA_BYTES); then it reads a tuple [uuid, endpoints]
    try (MessageUnpacker unpacker = MessagePack.newDefaultUnpacker(datagram)) {
      Value first = unpacker.unpackValue();
      assertEquals(2, first.asArrayValue().size());
      assertEquals("node-a", first.asArrayValue().get(0).asStringValue().asString());
      assertEquals("[[\"10.0.0.1\",10053]]", first.asArrayValue().get(1).toJson());
      assertTrue(unpacker.hasNext(), "the signature follows as a second value");
      Value signature = unpacker.unpackValue();
      assertEquals("hmac-sha256", signature.asArrayValue().get(0).asStringValue().asString());
      assertEquals(NOW, signature.asArrayValue().get(1).asIntegerValue().toLong());
      assertEquals(3, signature.asArrayValue().get(2).asIntegerValue().toLong());
      assertEquals(32, signature.asArrayValue().get(3).asRawValue().asByteArray().length);
    }
  }

  @Test
  void withoutAKeySignedAndUnsignedAnnouncesAreAdmittedAndWhatFollowsIsIgnored() {
    AnnounceGate open = AnnounceGate.open();
    assertEquals(NODE, ((AnnounceGate.Admitted) check(open, NODE.encode(), NOW)).announce());
    assertEquals(NODE, ((AnnounceGate.Admitted) check(open, signed(key, NODE, 0, 0), NOW)).announce());
    assertEquals(NODE, ((AnnounceGate.Admitted) check(open, AnnounceTest.concat(NODE.encode(), new byte[] {(byte) 0xc1}),
        NOW)).announce(), "the original ignores any bytes after the announce");
    assertRefused(check(open, new byte[] {(byte) 0x92, (byte) 0xa1, 'x'}, NOW), "malformed announce", "truncated");
  }

  @Test
  void bytesAfterTheAnnounceThatAreNotASignatureAreRefusedWithAKey() {
    byte[] payload = NODE.encode();
    assertRefused(check(gate, AnnounceTest.concat(payload, new byte[] {(byte) 0xc0}), NOW), "badly signed", "expected [");
    assertRefused(check(gate, AnnounceTest.concat(payload, new byte[] {(byte) 0xc1}), NOW), "badly signed", "not a signature");
    byte[] scheme = signed(key, NODE, NOW, 0);
    scheme[indexOf(scheme, "hmac-sha256")] = 'x';
    assertRefused(check(gate, scheme, NOW), "unknown signature scheme 'xmac-sha256'");
    byte[] extra = AnnounceTest.concat(signed(key, NODE, NOW, 0), new byte[] {1});
    assertRefused(check(gate, extra, NOW), "badly signed", "trailing bytes");
  }

  /** The datagram's announce with a signature of the given fields, re-encoded (mac not recomputed). */
  private static byte[] resigned(byte[] datagram, int payload, long timestamp, long sequence, byte[] mac) {
    byte[] trailer = FrameEncoder.encodeValue(Values.array(Values.str("hmac-sha256"), Values.integer(timestamp),
        Values.integer(sequence), Values.bytes(mac)));
    return AnnounceTest.concat(Arrays.copyOf(datagram, payload), trailer);
  }

  static int indexOf(byte[] haystack, String needle) {
    byte[] n = needle.getBytes(StandardCharsets.US_ASCII);
    outer:
    for (int i = 0; i + n.length <= haystack.length; i++) {
      for (int j = 0; j < n.length; j++) {
        if (haystack[i + j] != n[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError(needle + " not in the datagram");
  }
}
