package cocaine.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Any UDP datagram on the announce group either decodes to an announce that encodes back to the
 * same node and endpoints, or is refused with {@link Announce.MalformedAnnounceException}; nothing
 * else escapes the receiver. Regression inputs live in {@code AnnounceFuzzTestInputs/}.
 */
class AnnounceFuzzTest {
  @FuzzTest(maxDuration = "5s")
  void datagramIsAnAnnounceOrRefusedClearly(byte[] datagram) {
    Announce announce;
    try {
      announce = Announce.decode(datagram, datagram.length);
    } catch (Announce.MalformedAnnounceException e) {
      return;
    }
    byte[] again = announce.encode();
    assertEquals(announce, Announce.decode(again, again.length));
  }
}
