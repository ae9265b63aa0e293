package cocaine.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RefusalLogTest {
  static final long SECOND = 1_000_000_000L;
  final List<String> lines = new ArrayList<>();
  final RefusalLog log = new RefusalLog(lines::add, Duration.ofSeconds(60), 3);

  static InetAddress address(int last) throws Exception {
    return InetAddress.getByAddress(new byte[] {10, 0, 0, (byte) last});
  }

  @Test
  void oneLinePerSenderAndPeriodWithTheCountOfThoseHeldBack() throws Exception {
    for (int i = 0; i < 100; i++) {
      log.refused(address(1), "unsigned announce of node 'x'", i * SECOND / 10);
    }
    assertEquals(List.of("ignored a datagram from 10.0.0.1: unsigned announce of node 'x'"), lines);
    log.refused(address(2), "wrongly signed announce of node 'y'", 10 * SECOND);
    assertEquals(2, lines.size(), "another sender gets its own line at once: " + lines);
    log.refused(address(1), "unsigned announce of node 'x'", 61 * SECOND);
    assertEquals("ignored a datagram from 10.0.0.1: unsigned announce of node 'x' (and 99 more refused since the "
        + "last line about this sender)", lines.get(2));
  }

  @Test
  void aFloodFromManyAddressesSharesOneLineBeyondTheBound() throws Exception {
    for (int i = 1; i <= 200; i++) {
      log.refused(address(i), "malformed announce", SECOND);
    }
    assertEquals(3, log.tracked());
    assertEquals(4, lines.size(), "three senders of their own and one shared line: " + lines);
    assertTrue(lines.get(3).contains("10.0.0.4") && lines.get(3).contains("further senders share this line"), lines.get(3));
    // a period later the quiet senders make room for new ones
    log.refused(address(250), "malformed announce", 62 * SECOND);
    assertEquals("ignored a datagram from 10.0.0.250: malformed announce", lines.get(4));
  }
}
