package cocaine.rpc.transport;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The selector's thread reading a socket for its owner: one read a want, nothing lost, the interest kept while wanted. */
class SelectorReadTest {
  static SelectorLoop loop;
  ServerSocketChannel server;
  Socket peer;
  SocketChannel socket;
  final BlockingQueue<SelectorRead.Outcome> outcomes = new LinkedBlockingQueue<>();
  SelectorRead reads;
  SelectionKey key;

  @BeforeAll
  static void start() throws IOException {
    loop = new SelectorLoop("selector-read-test");
  }

  @AfterAll
  static void stop() {
    loop.close();
  }

  @BeforeEach
  void connect() throws IOException {
    server = ServerSocketChannel.open();
    server.bind(new InetSocketAddress("127.0.0.1", 0));
    peer = new Socket();
    peer.setTcpNoDelay(true);
    peer.connect(server.getLocalAddress());
    socket = server.accept();
    socket.configureBlocking(false);
    reads = new SelectorRead(socket, 16, ops -> {}, outcomes::add);
    key = loop.register(socket, reads);
  }

  @AfterEach
  void close() throws IOException {
    peer.close();
    socket.close();
    server.close();
  }

  private SelectorRead.Outcome next() throws InterruptedException {
    SelectorRead.Outcome outcome = outcomes.poll(10, TimeUnit.SECONDS);
    assertTrue(outcome != null, "nothing delivered within 10 s");
    return outcome;
  }

  @Test
  void readsOnceAWantAndKeepsTheInterestWhileWantedAgain() throws Exception {
    reads.want(loop, key);
    peer.getOutputStream().write("hello".getBytes());
    SelectorRead.Bytes first = assertInstanceOf(SelectorRead.Bytes.class, next());
    assertEquals("hello", first.bytes().utf8String());
    assertEquals(false, first.full());
    // Nothing more is read until asked: the next bytes wait in the socket.
    reads.want(loop, key);
    assertNotEquals(0, key.interestOps() & SelectionKey.OP_READ, "the interest stays on while wanted");
    peer.getOutputStream().write("again".getBytes());
    assertEquals("again", assertInstanceOf(SelectorRead.Bytes.class, next()).bytes().utf8String());
  }

  @Test
  void bytesThatComeWhenNobodyWantsThemWaitAndTheInterestIsDropped() throws Exception {
    reads.want(loop, key);
    peer.getOutputStream().write("one".getBytes());
    assertInstanceOf(SelectorRead.Bytes.class, next());
    peer.getOutputStream().write("two".getBytes()); // not wanted: the selector stops watching
    await().atMost(java.time.Duration.ofSeconds(10)).until(() -> (key.interestOps() & SelectionKey.OP_READ) == 0);
    assertNull(outcomes.poll(100, TimeUnit.MILLISECONDS));
    reads.want(loop, key);
    assertEquals("two", assertInstanceOf(SelectorRead.Bytes.class, next()).bytes().utf8String());
  }

  @Test
  void aReadThatFillsItsLimitSaysSoAndTheEndComesAsEnd() throws Exception {
    reads.want(loop, key);
    peer.getOutputStream().write(new byte[40]);
    SelectorRead.Bytes first = assertInstanceOf(SelectorRead.Bytes.class, next());
    assertEquals(16, first.bytes().size());
    assertTrue(first.full());
    peer.shutdownOutput();
    int rest = 0;
    while (true) {
      reads.want(loop, key);
      SelectorRead.Outcome outcome = next();
      if (outcome instanceof SelectorRead.End) {
        break;
      }
      rest += ((SelectorRead.Bytes) outcome).bytes().size();
    }
    assertEquals(24, rest);
  }

  /** The owner asks again at random moments against a peer writing at random moments: every byte arrives, in order, once. */
  @Test
  void noByteIsLostOrDoubledWhenWantsAndReadinessRace() throws Exception {
    int messages = 15_000;
    Thread writer = new Thread(() -> {
      try {
        OutputStream out = peer.getOutputStream();
        for (int i = 0; i < messages; i++) {
          out.write((i + ",").getBytes());
          if (ThreadLocalRandom.current().nextInt(4) == 0) {
            LockSupport.parkNanos(ThreadLocalRandom.current().nextInt(50_000));
          }
        }
        peer.shutdownOutput();
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    });
    writer.start();
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    while (true) {
      if (ThreadLocalRandom.current().nextInt(3) == 0) {
        LockSupport.parkNanos(ThreadLocalRandom.current().nextInt(50_000)); // the owner busy elsewhere
      }
      reads.want(loop, key);
      SelectorRead.Outcome outcome = next();
      if (outcome instanceof SelectorRead.End) {
        break;
      }
      got.write(((SelectorRead.Bytes) outcome).bytes().toArray());
    }
    writer.join();
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < messages; i++) {
      expected.append(i).append(',');
    }
    assertEquals(expected.toString(), got.toString());
  }
}
