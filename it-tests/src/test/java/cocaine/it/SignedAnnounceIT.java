package cocaine.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.client.Locator;
import cocaine.cluster.Announce;
import cocaine.cluster.AnnounceKey;
import cocaine.cluster.MulticastSettings;
import cocaine.locator.Endpoint;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18's closed cluster membership with real runtimes on loopback multicast: a balancer and a
 * node that share {@code cocaine.locator.cluster.announce-key-file}, and an intruder (this test)
 * sending announces to the same group from other loopback addresses. The intruder's unsigned,
 * wrongly signed and replayed announces are ignored with a log line each (they come from three
 * addresses: one line per sender), its listener gets no connection, and the node is linked: the
 * balancer resolves the node's {@code storage} through the cluster.
 */
class SignedAnnounceIT {
  static final String KEY = "it-cluster-key-5e0c1f9a7d3b42c8";

  @TempDir
  Path dir;

  @Test
  void onlyAnnouncesSignedWithTheClusterKeyJoin() throws Exception {
    Path keyFile = dir.resolve("cluster.key");
    Files.writeString(keyFile, KEY + "\n");
    Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
    int port;
    try (DatagramSocket s = new DatagramSocket(0)) {
      port = s.getLocalPort();
    }
    String group = "239.255." + ThreadLocalRandom.current().nextInt(1, 255) + "." + ThreadLocalRandom.current().nextInt(1, 255);
    String cluster = "cocaine.locator.cluster { type = multicast, group = \"" + group + "\", port = " + port
        + ", interval = 1s, loopback = true, interface = lo, announce-key-file = \"" + keyFile + "\" }";
    MulticastSettings multicast = new MulticastSettings(InetAddress.getByName(group), port, Duration.ofSeconds(1),
        true, 0, Optional.of(NetworkInterface.getByName("lo")));
    InetSocketAddress target = new InetSocketAddress(multicast.group(), port);

    try (RuntimeProcess balancer = RuntimeProcess.start(dir.resolve("lb"), "balancer",
            "cocaine.uuid = lb\n" + cluster, "locator");
        ServerSocketChannel trap = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        DatagramChannel capture = multicast.openReceiver()) {
      trap.configureBlocking(false);
      capture.configureBlocking(false);
      byte[] forged = new Announce("intruder", List.of(new Endpoint("127.0.0.1",
          ((InetSocketAddress) trap.getLocalAddress()).getPort()))).encode();
      AnnounceKey guessed = AnnounceKey.of("a-guessed-key-0123456789abcdef".getBytes(StandardCharsets.UTF_8),
          Duration.ofSeconds(30));
      send(multicast, "127.0.0.2", target, forged);
      send(multicast, "127.0.0.3", target, guessed.sign(forged, System.currentTimeMillis(), 0));

      try (RuntimeProcess node = RuntimeProcess.start(dir.resolve("n1"), "node", "cocaine.uuid = n1\n" + cluster)) {
        await("the balancer links the signed node").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
            .until(() -> balancer.output().contains("metalocator: new node 'n1'"));
        // the balancer's locator answers storage from the cluster: through the gateway to n1's
        await("storage resolved through the cluster").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
            .ignoreExceptions().until(() -> {
              try (Locator locator = Locator.connect("127.0.0.1", balancer.locatorPort())) {
                return locator.resolve("storage") != null;
              }
            });

        // a real announce of n1, captured on the segment and sent again by the intruder
        byte[] captured = signedAnnounceOf("n1", capture);
        send(multicast, "127.0.0.4", target, captured);
        await("the replay is refused").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
            .until(() -> balancer.output().contains("ignored a datagram from 127.0.0.4: replayed announce of node 'n1'")
                || balancer.output().contains("ignored a datagram from 127.0.0.4: stale announce of node 'n1'"));
      }
      String out = balancer.output();
      assertTrue(out.contains("ignored a datagram from 127.0.0.2: unsigned announce of node 'intruder'"), out);
      assertTrue(out.contains("ignored a datagram from 127.0.0.3: wrongly signed announce of node 'intruder'"), out);
      assertFalse(out.contains("new node 'intruder'"), out);
      assertNull(trap.accept(), "the balancer connected to the intruder's endpoint");
      assertEquals(1, out.split("metalocator: new node 'n1'", -1).length - 1, "n1 linked once:\n" + out);
      assertFalse(out.contains(KEY), "the key shows in the balancer's output");
    }
  }

  private static void send(MulticastSettings multicast, String from, InetSocketAddress target, byte[] datagram)
      throws Exception {
    try (DatagramChannel ch = multicast.openSender()) {
      ch.bind(new InetSocketAddress(from, 0));
      ch.send(ByteBuffer.wrap(datagram), target);
    }
  }

  /** The next datagram on the group that is a signed announce of {@code uuid}, read as any host on the segment can. */
  private static byte[] signedAnnounceOf(String uuid, DatagramChannel capture) {
    ByteBuffer buf = ByteBuffer.allocate(65_536);
    byte[][] found = new byte[1][];
    await("a signed announce of " + uuid + " on the group").atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50)).until(() -> {
          buf.clear();
          if (capture.receive(buf) == null) {
            return false;
          }
          byte[] datagram = Arrays.copyOf(buf.array(), buf.position());
          int payload = Announce.payloadLength(datagram, datagram.length);
          if (payload < datagram.length && Announce.decode(datagram, payload).uuid().equals(uuid)) {
            found[0] = datagram;
            return true;
          }
          return false;
        });
    return found[0];
  }
}
