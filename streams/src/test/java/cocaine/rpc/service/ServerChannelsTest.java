package cocaine.rpc.service;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.rpc.transport.ConnectionSettings;
import cocaine.wire.Frame;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Protocol;
import cocaine.wire.Values;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.testkit.javadsl.TestSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ServerChannelsTest {
  /** Answers at once and never reads {@code rest}. */
  private static final class DeafService implements Service {
    @Override
    public String name() {
      return "deaf";
    }

    @Override
    public int version() {
      return 1;
    }

    @Override
    public Protocol protocol() {
      return Protocol.builder().method(0, "upload", Graph.STREAMING, Graph.PRIMITIVE).build();
    }

    @Override
    public Source<Message, NotUsed> open(ChannelContext channel, Message first, Source<Message, NotUsed> rest) {
      return Source.single(Message.value());
    }
  }

  @Test
  void serviceThatDoesNotReadStopsTheReadsAfterChannelBufferMessages() {
    int channelBuffer = 8;
    AtomicInteger framesRead = new AtomicInteger();
    Iterator<Frame> client = new Iterator<>() {
      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public Frame next() {
        int n = framesRead.getAndIncrement();
        return n == 0 ? Message.of(0).on(1) : Message.write(Values.integer(n)).on(1);
      }
    };
    List<Frame> replies = new CopyOnWriteArrayList<>();
    Source.fromIterator(() -> client)
        .via(Flow.fromGraph(new ServerChannels(new DeafService(), new ConnectionSettings(1 << 20, channelBuffer, 4), 1,
            "test")))
        .runWith(Sink.foreach(replies::add), TestSystem.get());
    int[] last = {-1};
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() -> {
      int now = framesRead.get();
      boolean settled = now == last[0];
      last[0] = now;
      return settled;
    });
    // The opening frame, the handoff window, channelBuffer waiting writes, and the one whose arrival filled the buffer.
    assertTrue(framesRead.get() <= ServerChannels.HANDOFF_WINDOW + channelBuffer + 2, "frames read: " + framesRead.get());
    assertEquals(List.of(Message.value().on(1)), replies);
  }

  @Test
  void peerThatDoesNotReadItsRepliesStopsTheReadsAtMaxBytesInFlight() {
    int maxBytesInFlight = 16 * 1024;
    int maxChannels = 1024;
    AtomicInteger framesRead = new AtomicInteger();
    String kib = "x".repeat(1024);
    // Every frame is a new request answered at once: only the bytes bound stops the reads, since
    // no channel stays open and no channel buffer fills.
    Iterator<Frame> client = new Iterator<>() {
      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public Frame next() {
        return Message.of(TestService.ECHO, Values.str(kib)).on(framesRead.incrementAndGet());
      }
    };
    // Throttled so that the service's replies come between the requests, as they would over TCP.
    Source.fromIterator(() -> client)
        .throttle(1, Duration.ofMillis(10))
        .via(Flow.fromGraph(new ServerChannels(new TestService(), new ConnectionSettings(1 << 20, 4, maxChannels,
            maxBytesInFlight), 1, "test")))
        // a probe that never requests: nobody reads the replies (and, unlike an unsubscribed
        // publisher, it never cancels the stream)
        .runWith(TestSink.probe(TestSystem.classic()), TestSystem.get());
    int[] last = {-1};
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> {
      int now = framesRead.get();
      boolean settled = now > 0 && now == last[0];
      last[0] = now;
      return settled;
    });
    // Each reply holds 1 KiB and a little more. The bound may be passed by the frame that reached
    // it and by the replies of channels still open then (one each: requests of the last moments
    // at 100/s, up to 5 s on a busy machine). Without the bound the reads never stop: the wait
    // above times out.
    assertTrue(framesRead.get() <= maxBytesInFlight / 1024 + 500, "frames read: " + framesRead.get());
  }
}
