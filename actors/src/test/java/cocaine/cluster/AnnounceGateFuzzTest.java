package cocaine.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Any datagram on the announce group, signed or not, is admitted or refused by a gate with a cluster
 * key; nothing else escapes (an exception would stop the receiver's thread). What is admitted carries
 * a signature made with the key.
 */
class AnnounceGateFuzzTest {
  static final AnnounceKey KEY = AnnounceKey.of("fuzz-cluster-key-0123456789abcdef".getBytes(StandardCharsets.UTF_8),
      Duration.ofDays(365_000));

  @FuzzTest(maxDuration = "5s")
  void datagramIsAdmittedOnlyWhenSignedAndRefusedClearlyOtherwise(byte[] datagram) {
    AnnounceGate gate = AnnounceGate.signedWith(KEY);
    AnnounceGate.Verdict verdict = gate.check(datagram, datagram.length, 0);
    if (verdict instanceof AnnounceGate.Admitted admitted) {
      int payload = Announce.payloadLength(datagram, datagram.length);
      AnnounceKey.Signature signature = AnnounceKey.read(datagram, payload, datagram.length).orElseThrow();
      assertEquals(true, KEY.signed(datagram, payload, signature));
      assertEquals(admitted.announce(), Announce.decode(datagram, payload));
    }
    AnnounceGate.open().check(datagram, datagram.length, 0);
  }
}
