package cocaine.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import cocaine.locator.Endpoint;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Announces over real multicast, kept on the loopback interface with TTL 0 so nothing leaves the host. */
@ExtendWith(TestKitJUnit5Extension.class)
class AnnouncerTest {
  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  MulticastSettings settings;
  AnnounceReceiver receiver;
  TestProbe<Announce> heard;

  @BeforeEach
  void listen() throws IOException {
    settings = loopbackMulticast(Duration.ofMillis(100));
    heard = testKit.createTestProbe();
    receiver = AnnounceReceiver.start(settings, 16, (announce, done) -> {
      heard.getRef().tell(announce);
      done.run();
    });
  }

  @AfterEach
  void stop() {
    receiver.close();
  }

  /** A random group of the organisation-local scope and a free UDP port, on lo, TTL 0, loopback on. */
  static MulticastSettings loopbackMulticast(Duration interval) throws IOException {
    int port;
    try (DatagramSocket s = new DatagramSocket(0)) {
      port = s.getLocalPort();
    }
    InetAddress group = InetAddress.getByName("239.255." + ThreadLocalRandom.current().nextInt(1, 255) + "."
        + ThreadLocalRandom.current().nextInt(1, 255));
    return new MulticastSettings(group, port, interval, true, 0, Optional.of(NetworkInterface.getByName("lo")));
  }

  @Test
  void announcesRightAwayAndThenEveryInterval() {
    List<Endpoint> endpoints = List.of(new Endpoint("127.0.0.1", 10053));
    testKit.spawn(Announcer.create("node-1", endpoints, settings));
    Announce expected = new Announce("node-1", endpoints);
    assertEquals(expected, heard.receiveMessage(Duration.ofSeconds(5)));
    assertEquals(expected, heard.receiveMessage(Duration.ofSeconds(5)));
    assertEquals(expected, heard.receiveMessage(Duration.ofSeconds(5)));
  }

  @Test
  void malformedDatagramsAreIgnoredAndTheNextAnnounceIsHeard() throws IOException {
    try (CapturedLog log = CapturedLog.capture(); DatagramChannel ch = settings.openSender()) {
      InetSocketAddress target = new InetSocketAddress(settings.group(), settings.port());
      ch.send(ByteBuffer.wrap(new byte[] {(byte) 0xc1, 1, 2}), target);
      ch.send(ByteBuffer.wrap(new byte[] {(byte) 0x92, (byte) 0xa1, 'x', 0x01}), target);
      ch.send(ByteBuffer.wrap(new Announce("after-garbage", List.of(new Endpoint("h", 1))).encode()), target);
      assertEquals("after-garbage", heard.receiveMessage(Duration.ofSeconds(5)).uuid());
      assertTrue(log.has(Level.WARN, "ignored a malformed announce from"), log.lines());
    }
  }

  @Test
  void announcesBeyondTheQueueBoundAreDroppedUntilHandled() throws IOException {
    receiver.close();
    TestProbe<Announce> slow = testKit.createTestProbe();
    List<Runnable> unhandled = new java.util.concurrent.CopyOnWriteArrayList<>();
    receiver = AnnounceReceiver.start(settings, 2, (announce, done) -> {
      unhandled.add(done);
      slow.getRef().tell(announce);
    });
    try (DatagramChannel ch = settings.openSender()) {
      InetSocketAddress target = new InetSocketAddress(settings.group(), settings.port());
      for (int i = 0; i < 5; i++) {
        ch.send(ByteBuffer.wrap(new Announce("n" + i, List.of(new Endpoint("h", 1))).encode()), target);
      }
      assertEquals("n0", slow.receiveMessage(Duration.ofSeconds(5)).uuid());
      assertEquals("n1", slow.receiveMessage(Duration.ofSeconds(5)).uuid());
      slow.expectNoMessage(Duration.ofMillis(300));
      unhandled.forEach(Runnable::run);
      ch.send(ByteBuffer.wrap(new Announce("n9", List.of(new Endpoint("h", 1))).encode()), target);
      assertEquals("n9", slow.receiveMessage(Duration.ofSeconds(5)).uuid());
    }
  }
}
