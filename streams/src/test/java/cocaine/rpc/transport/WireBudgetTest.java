package cocaine.rpc.transport;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.rpc.service.TestSystem;
import cocaine.wire.Frame;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class WireBudgetTest {
  @Test
  void aReaderMidFrameWaitsAtTheCeilingAndIsWokenWhenBytesAreGivenBack() {
    WireBudget budget = new WireBudget(100);
    Object a = new Object();
    Object b = new Object();
    budget.take(100);
    AtomicBoolean woken = new AtomicBoolean();
    assertTrue(budget.mayRead(a, true, () -> { }), "the first reader mid-frame takes the overdraft");
    assertFalse(budget.mayRead(b, true, () -> woken.set(true)), "a second one waits");
    assertTrue(budget.mayRead(b, false, () -> { }), "a reader holding nothing reads one chunk");
    budget.give(1);
    assertTrue(woken.get(), "given back under the ceiling: the waiting reader tries again");
    assertEquals(99, budget.held());
  }

  @Test
  void theOverdraftIsFreedWhenItsFrameIsDone() {
    WireBudget budget = new WireBudget(10);
    Object a = new Object();
    Object b = new Object();
    budget.take(10);
    assertTrue(budget.mayRead(a, true, () -> { }));
    AtomicBoolean woken = new AtomicBoolean();
    assertFalse(budget.mayRead(b, true, () -> woken.set(true)));
    budget.frameDone(a);
    assertTrue(woken.get());
    assertTrue(budget.mayRead(b, true, () -> { }));
  }

  @Test
  void aMessageBudgetHasNoOverdraftAndWakesEachWaiterOnce() {
    WireBudget budget = WireBudget.forMessages(10);
    budget.take(10);
    AtomicInteger woken = new AtomicInteger();
    Runnable wakeUp = woken::incrementAndGet;
    Object reader = new Object();
    assertFalse(budget.mayRead(reader, true, wakeUp), "no overdraft for a reader holding messages");
    assertFalse(budget.mayRead(reader, true, wakeUp), "asked twice, still waiting");
    assertTrue(budget.mayRead(new Object(), false, () -> { }), "a reader holding nothing reads");
    assertEquals(2, budget.pauses());
    budget.give(1);
    assertEquals(1, woken.get(), "woken once however often it asked");
  }

  @Test
  void aCeilingUnderOneByteIsRefusedWithItsValue() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new WireBudget(0));
    assertTrue(e.getMessage().contains("got 0"), e.getMessage());
  }

  /**
   * Decoders fed random frames cut at random offsets, some ended mid-frame, cancelled or failed:
   * once every stream is over, the budget holds nothing.
   */
  @Test
  void acquireAndReleaseAreExactAfterRandomFramesAndCloses() throws Exception {
    WireBudget budget = new WireBudget(64 * 1024);
    Random random = new Random(17);
    List<CompletionStage<?>> done = new ArrayList<>();
    for (int stream = 0; stream < 200; stream++) {
      List<Frame> frames = new ArrayList<>();
      for (int i = 0, n = 1 + random.nextInt(8); i < n; i++) {
        frames.add(Message.write(Values.bytes(new byte[random.nextInt(40_000)])).on(1 + i));
      }
      List<ByteString> chunks = cut(frames.stream().map(FrameEncoder::encode).toList(), random);
      Flow<ByteString, Frame, ?> decoder = Codec.decoder(1 << 20, budget);
      int end = random.nextInt(4);
      CompletionStage<?> over = switch (end) {
        case 0 -> Source.from(chunks).via(decoder).runWith(Sink.seq(), TestSystem.get()) // all of it
            .thenAccept(got -> assertEquals(frames, got));
        case 1 -> Source.from(chunks.subList(0, random.nextInt(chunks.size() + 1))).via(decoder) // hang-up
            .runWith(Sink.ignore(), TestSystem.get());
        case 2 -> Source.from(chunks).via(decoder).take(random.nextInt(frames.size() + 1)) // consumer gone
            .runWith(Sink.ignore(), TestSystem.get());
        default -> Source.from(chunks.subList(0, random.nextInt(chunks.size() + 1))) // connection broke
            .concat(Source.failed(new IOException("reset")))
            .via(decoder).runWith(Sink.ignore(), TestSystem.get())
            .exceptionally(failure -> null);
      };
      done.add(over);
    }
    for (CompletionStage<?> over : done) {
      over.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    await("every byte given back").atMost(Duration.ofSeconds(10)).until(() -> budget.held() == 0);
    assertTrue(budget.peak() > 0, "nothing was ever counted");
  }

  /**
   * Many TCP connections, each sending frames well under its own limit, all at once, read within a
   * ceiling that is a fraction of what they send together. Each sender first sends all its first
   * frame but the last byte: every connection is then in the middle of a frame, and the reads must
   * stop near the ceiling (unbounded, they would hold all those bytes). Then the rest goes: every
   * frame arrives whole, the bytes held never pass the ceiling plus one frame and one read per
   * connection, and all are given back.
   */
  @Test
  void theCeilingHoldsAcrossManyConnectionsEachUnderItsOwnLimit() throws Exception {
    int connections = 32;
    int framesEach = 4;
    int frameBytes = 512 * 1024;
    int readBytes = 64 * 1024;
    int maxFrame = 1 << 20;
    WireBudget budget = new WireBudget(1L << 20);
    long bound = budget.ceiling() + maxFrame + (long) connections * readBytes;
    CountDownLatch go = new CountDownLatch(1);
    try (SelectorLoop loop = new SelectorLoop("wire-budget-test-io");
        ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
      List<CompletableFuture<Long>> received = new ArrayList<>();
      List<Thread> senders = new ArrayList<>();
      for (int c = 0; c < connections; c++) {
        SocketChannel client = SocketChannel.open(server.getLocalAddress());
        SocketChannel accepted = server.accept();
        received.add(Source.<ByteString>never()
            .via(Flow.fromGraph(new SocketStage(accepted, loop, "client " + c, readBytes, readBytes)))
            .via(Codec.decoder(maxFrame, budget))
            .runFold(0L, (n, f) -> n + f.args().get(0).asRawValue().asByteArray().length, TestSystem.get())
            .toCompletableFuture());
        byte fill = (byte) c;
        Thread sender = new Thread(() -> send(client, framesEach, frameBytes, fill, go), "wire-budget-sender-" + c);
        sender.start();
        senders.add(sender);
      }
      await("the ceiling reached").atMost(Duration.ofSeconds(30)).until(() -> budget.held() >= budget.ceiling());
      await("the reads stopped near the ceiling").atMost(Duration.ofSeconds(30)).during(Duration.ofMillis(500))
          .until(() -> budget.held() <= bound);
      go.countDown();
      for (Thread sender : senders) {
        sender.join();
      }
      for (CompletableFuture<Long> r : received) {
        assertEquals((long) framesEach * frameBytes, r.get(60, TimeUnit.SECONDS), "a connection lost bytes");
      }
      assertTrue(budget.peak() <= bound, "held " + budget.peak() + " bytes at once, over " + bound);
      await("every byte given back").atMost(Duration.ofSeconds(10)).until(() -> budget.held() == 0);
    }
  }

  /** Sends {@code frames} frames, holding back the first one's last byte until {@code go}. */
  private static void send(SocketChannel client, int frames, int frameBytes, byte fill, CountDownLatch go) {
    try (client) {
      byte[] payload = new byte[frameBytes];
      Arrays.fill(payload, fill);
      for (int i = 0; i < frames; i++) {
        ByteBuffer bytes = ByteBuffer.wrap(FrameEncoder.encode(Message.write(Values.bytes(payload)).on(1 + i)));
        if (i == 0) {
          bytes.limit(bytes.capacity() - 1);
          write(client, bytes);
          go.await();
          bytes.limit(bytes.capacity());
        }
        write(client, bytes);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void write(SocketChannel client, ByteBuffer bytes) throws IOException {
    while (bytes.hasRemaining()) {
      client.write(bytes);
    }
  }

  /** The frames' bytes back to back, cut at random offsets. */
  private static List<ByteString> cut(List<byte[]> encoded, Random random) {
    ByteString all = ByteString.emptyByteString();
    for (byte[] e : encoded) {
      all = all.concat(ByteString.fromArray(e));
    }
    List<ByteString> chunks = new ArrayList<>();
    while (!all.isEmpty()) {
      int n = Math.min(all.size(), 1 + random.nextInt(20_000));
      chunks.add(all.take(n));
      all = all.drop(n);
    }
    return chunks;
  }
}
