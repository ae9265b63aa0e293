package cocaine.rpc;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    // The opening frame, channelBuffer waiting writes, and the one whose arrival filled the buffer.
    assertTrue(framesRead.get() <= channelBuffer + 2, "frames read: " + framesRead.get());
    assertEquals(List.of(Message.value().on(1)), replies);
  }
}
