package cocaine.rpc.service;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.rpc.channel.FeedInlet;
import cocaine.rpc.channel.Handoff;
import cocaine.rpc.transport.ConnectionSettings;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Protocol;
import cocaine.wire.Values;
import cocaine.wire.WireClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Channels of a {@link DirectService}: both directions as feeds, read by the connection's own stage. */
@Timeout(60)
class DirectServiceTest {
  private static final int STREAM = 0;
  private static final int REFUSE = 1;
  private static final int PLAIN = 2;
  private static final int BROKEN = 3;

  /** Echoes each write of a streaming channel back and answers close with close, through feeds. */
  private static final class Echo implements DirectService {
    final ConcurrentLinkedQueue<String> events = new ConcurrentLinkedQueue<>();

    @Override
    public String name() {
      return "direct";
    }

    @Override
    public int version() {
      return 1;
    }

    @Override
    public Protocol protocol() {
      return Protocol.builder()
          .method(STREAM, "stream", Graph.STREAMING, Graph.STREAMING)
          .method(REFUSE, "refuse", Graph.STREAMING, Graph.STREAMING)
          .method(PLAIN, "plain", Graph.TERMINAL, Graph.PRIMITIVE)
          .method(BROKEN, "broken", Graph.STREAMING, Graph.STREAMING)
          .build();
    }

    @Override
    public Handoff.Feed<Message> openDirect(ChannelContext channel, Message first, Handoff.Feed<Message> rest) {
      switch (first.type()) {
        case REFUSE:
          throw new CocaineException(ErrorCode.NOT_FOUND, "nothing here");
        case BROKEN:
          Handoff.Feed<Message> failing = new Handoff.Feed<>(4, () -> {}, cause -> events.add("cancelled"));
          failing.offer(Message.write(Values.str("one")));
          failing.fail(new IllegalStateException("boom"));
          FeedInlet.cancel(rest);
          return failing;
        case STREAM:
          Handoff.Feed<Message> up = new Handoff.Feed<>(4, () -> {}, cause -> events.add("upstream cancelled"));
          Source.fromGraph(new Handoff<>(rest))
              .runForeach(m -> {
                if (m.type() == Graph.WRITE) {
                  up.offer(Message.write(m.args().get(0)));
                }
              }, TestSystem.get())
              .whenComplete((done, failure) -> {
                events.add(failure == null ? "rest ended" : "rest failed: " + failure.getMessage());
                if (failure == null) {
                  up.offer(Message.close());
                  up.complete();
                } else {
                  up.fail(failure);
                }
              });
          return up;
        default:
          return null;
      }
    }

    @Override
    public Source<Message, NotUsed> open(ChannelContext channel, Message first, Source<Message, NotUsed> rest) {
      events.add("open " + first.type());
      return Source.single(Message.value(Values.str("plain")));
    }
  }

  private final Echo service = new Echo();
  private Tcp.ServerBinding binding;
  private int port;

  @BeforeEach
  void bind() throws Exception {
    binding = Server.bind(TestSystem.get(), "127.0.0.1", 0, service, new ConnectionSettings(1 << 20, 4, 8))
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    port = binding.localAddress().getPort();
  }

  @AfterEach
  void unbind() throws Exception {
    binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void streamsBothWaysThroughFeeds() throws Exception {
    try (WireClient c = new WireClient(port)) {
      c.send(1, Message.of(STREAM));
      for (int i = 0; i < 20; i++) { // past every window: the feeds must resume
        c.send(1, Message.write(Values.str("chunk " + i)));
      }
      c.send(1, Message.close());
      for (int i = 0; i < 20; i++) {
        assertEquals(new Frame(1, 0, List.of(Values.str("chunk " + i)), List.of()), c.read());
      }
      assertEquals(new Frame(1, 2, List.of(), List.of()), c.read());
      // the channel is over: its id is free and the connection goes on
      c.send(2, Message.of(STREAM));
      c.send(2, Message.write(Values.str("again")));
      assertEquals(new Frame(2, 0, List.of(Values.str("again")), List.of()), c.read());
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> service.events.stream().anyMatch(e -> e.startsWith("rest failed")));
    assertTrue(service.events.contains("rest ended"), service.events.toString());
  }

  @Test
  void aRefusalIsAnErrorReplyAndTheConnectionStaysUsable() throws Exception {
    try (WireClient c = new WireClient(port)) {
      c.send(1, Message.of(REFUSE));
      c.send(1, Message.write(Values.str("dropped")));
      Frame error = c.read();
      assertEquals(1, error.channel());
      assertEquals(Graph.ERROR, error.type());
      assertEquals(ErrorCode.NOT_FOUND, error.message().toException().code());
      assertEquals("nothing here", error.message().toException().getMessage());
      c.send(2, Message.of(PLAIN));
      assertEquals(new Frame(2, 0, List.of(Values.str("plain")), List.of()), c.read());
    }
    assertTrue(service.events.contains("open " + PLAIN), "null from openDirect falls back to open");
  }

  @Test
  void aFailedUpstreamIsAnUncaughtErrorAndDropsWhatWasNotTaken() throws Exception {
    try (WireClient c = new WireClient(port)) {
      c.send(1, Message.of(BROKEN));
      Frame error = c.read(); // Feed.fail drops the write the connection had not taken yet
      assertEquals(1, error.channel());
      assertEquals(Graph.ERROR, error.type());
      assertEquals(ErrorCode.UNCAUGHT, error.message().toException().code());
    }
  }

  @Test
  void aClientThatLeavesFailsTheServicesSideAndCancelsItsUpstream() throws Exception {
    try (WireClient c = new WireClient(port)) {
      c.send(1, Message.of(STREAM));
      c.send(1, Message.write(Values.str("x")));
      assertEquals(new Frame(1, 0, List.of(Values.str("x")), List.of()), c.read());
    }
    // The connection cancels the upstream on its own thread; the service's stream hears of the failure later.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertTrue(service.events.contains("upstream cancelled"), service.events.toString());
      assertTrue(service.events.stream().anyMatch(e -> e.startsWith("rest failed")), service.events.toString());
    });
  }
}
