package cocaine.cluster;

import static org.awaitility.Awaitility.await;
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
    receiver = AnnounceReceiver.start(settings, AnnounceGate.open(), 16, (announce, done) -> {
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
    testKit.spawn(Announcer.create("node-1", endpoints, settings, Optional.empty()));
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
      assertTrue(log.has(Level.WARN, "ignored a datagram from 127.0.0.1: malformed announce"), log.lines());
    }
  }

  @Test
  void announcesBeyondTheQueueBoundAreDroppedUntilHandled() throws IOException {
    receiver.close();
    TestProbe<Announce> slow = testKit.createTestProbe();
    List<Runnable> unhandled = new java.util.concurrent.CopyOnWriteArrayList<>();
    receiver = AnnounceReceiver.start(settings, AnnounceGate.open(), 2, (announce, done) -> {
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

  @Test
  void signedAnnouncesAreHeardByABalancerWithTheKeyEachOneFresh() throws IOException {
    AnnounceKey key = AnnounceKey.of("the-cluster-key-0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.UTF_8),
        Duration.ofSeconds(30));
    receiver.close();
    receiver = AnnounceReceiver.start(settings, AnnounceGate.signedWith(key), 16, (announce, done) -> {
      heard.getRef().tell(announce);
      done.run();
    });
    List<Endpoint> endpoints = List.of(new Endpoint("127.0.0.1", 10053));
    testKit.spawn(Announcer.create("signed-node", endpoints, settings, Optional.of(key)));
    Announce expected = new Announce("signed-node", endpoints);
    // the second and third carry later sequence numbers: not taken for replays of the first
    for (int i = 0; i < 3; i++) {
      assertEquals(expected, heard.receiveMessage(Duration.ofSeconds(5)));
    }
  }

  @Test
  void aBalancerWithTheKeyIgnoresUnsignedAndForeignAnnouncesWithOneLinePerSender() throws IOException {
    AnnounceKey key = AnnounceKey.of("the-cluster-key-0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.UTF_8),
        Duration.ofSeconds(30));
    AnnounceKey foreign = AnnounceKey.of("an-intruders-key-0123456789abcde".getBytes(java.nio.charset.StandardCharsets.UTF_8),
        Duration.ofSeconds(30));
    receiver.close();
    receiver = AnnounceReceiver.start(settings, AnnounceGate.signedWith(key), 16, (announce, done) -> {
      heard.getRef().tell(announce);
      done.run();
    });
    try (CapturedLog log = CapturedLog.capture(); DatagramChannel ch = settings.openSender()) {
      InetSocketAddress target = new InetSocketAddress(settings.group(), settings.port());
      byte[] intruder = new Announce("intruder", List.of(new Endpoint("127.0.0.1", 1))).encode();
      for (int i = 0; i < 5; i++) {
        ch.send(ByteBuffer.wrap(intruder), target);
        ch.send(ByteBuffer.wrap(foreign.sign(intruder, System.currentTimeMillis(), i)), target);
      }
      byte[] member = key.sign(new Announce("member", List.of(new Endpoint("127.0.0.1", 2))).encode(),
          System.currentTimeMillis(), 0);
      ch.send(ByteBuffer.wrap(member), target);
      ch.send(ByteBuffer.wrap(member), target); // a replay: refused, and the member is heard once
      assertEquals("member", heard.receiveMessage(Duration.ofSeconds(5)).uuid(), "only the signed announce is heard");
      ch.send(ByteBuffer.wrap(key.sign(new Announce("after", List.of(new Endpoint("127.0.0.1", 3))).encode(),
          System.currentTimeMillis(), 0)), target);
      assertEquals("after", heard.receiveMessage(Duration.ofSeconds(5)).uuid(), "the replay was not heard");
      // the refusals are logged on the receiver's thread: wait for the line, then check there is one only
      await().atMost(Duration.ofSeconds(10)).until(() -> log.count(Level.WARN, "ignored a datagram from 127.0.0.1") >= 1);
      assertEquals(1, log.count(Level.WARN, "ignored a datagram from 127.0.0.1"), "one line for 12 refusals of one "
          + "sender:\n" + log.lines());
      assertTrue(log.has(Level.WARN, "unsigned announce of node 'intruder'"), log.lines());
    }
  }
}
