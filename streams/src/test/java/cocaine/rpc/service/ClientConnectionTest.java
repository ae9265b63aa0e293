package cocaine.rpc.service;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.rpc.channel.ClientConnection;
import cocaine.rpc.transport.ConnectionSettings;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.FrameDecoder;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.stream.testkit.TestSubscriber;
import org.apache.pekko.stream.testkit.javadsl.TestSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.msgpack.value.Value;

@Timeout(60)
class ClientConnectionTest {
  private static final ConnectionSettings SETTINGS = new ConnectionSettings(1 << 20, 4, 16);
  private final TestService service = new TestService();
  private Tcp.ServerBinding binding;
  private ClientConnection client;

  @BeforeEach
  void connect() throws Exception {
    binding = Server.bind(TestSystem.get(), "127.0.0.1", 0, service, SETTINGS).toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    client = ClientConnection.connect(TestSystem.get(), "127.0.0.1", binding.localAddress().getPort(), SETTINGS)
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void close() throws Exception {
    client.close();
    client.closed().toCompletableFuture().get(10, TimeUnit.SECONDS);
    binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static <T> T get(java.util.concurrent.CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static CocaineException failure(java.util.concurrent.CompletionStage<?> stage) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> get(stage));
    return assertInstanceOf(CocaineException.class, e.getCause());
  }

  @Test
  void primitiveCallReturnsTheValuesArgs() throws Exception {
    assertEquals(List.of(Values.str("a"), Values.integer(2)), get(client.call(TestService.ECHO, Values.str("a"),
        Values.integer(2))));
  }

  @Test
  void errorReplyFailsTheCall() {
    CocaineException e = failure(client.call(TestService.FAIL));
    assertEquals(ErrorCode.NOT_FOUND, e.code());
    assertEquals("no such key", e.getMessage());
    assertEquals(ErrorCode.SLOT_NOT_FOUND, failure(client.call(99)).code());
  }

  @Test
  void channelIdsStartAtOneAndIncrease() throws Exception {
    for (int i = 0; i < 5; i++) {
      get(client.call(TestService.ECHO));
    }
    List<Long> ids = service.contexts.stream().map(ChannelContext::channel).toList();
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L), ids);
  }

  @Test
  void manyCallsWithinTheChannelLimitAllAnswered() throws Exception {
    for (int batch = 0; batch < 20; batch++) {
      int base = batch * SETTINGS.maxChannels();
      List<CompletableFuture<List<Value>>> calls = IntStream.range(base, base + SETTINGS.maxChannels())
          .mapToObj(i -> client.call(TestService.ECHO, Values.integer(i)).toCompletableFuture()).toList();
      for (int i = 0; i < calls.size(); i++) {
        assertEquals(List.of(Values.integer(base + i)), calls.get(i).get(10, TimeUnit.SECONDS));
      }
    }
  }

  @Test
  void channelsBeyondTheLimitAreRefusedAtOnce() throws Exception {
    List<CompletableFuture<List<Value>>> hanging = IntStream.range(0, SETTINGS.maxChannels())
        .mapToObj(i -> client.call(TestService.HANG).toCompletableFuture()).toList();
    // A call takes its channel when its stream starts, which is asynchronous.
    await().atMost(Duration.ofSeconds(10)).until(() -> service.contexts.size() == SETTINGS.maxChannels());
    CocaineException refused = failure(client.call(TestService.ECHO));
    assertEquals(ErrorCode.TRY_AGAIN, refused.code());
    assertTrue(refused.getMessage().startsWith("too many open channels to 127.0.0.1:"), refused.getMessage());
    assertTrue(hanging.stream().noneMatch(CompletableFuture::isDone));
  }

  @Test
  void streamingChannelCarriesRequestsAndReplies() throws Exception {
    List<Message> requests = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      requests.add(Message.write(Values.integer(i)));
    }
    requests.add(Message.close());
    List<Message> replies = get(Source.from(requests).via(client.channel(Message.of(TestService.STREAM),
        Graph.STREAMING)).runWith(Sink.seq(), TestSystem.get()));
    assertEquals(51, replies.size());
    assertEquals(Message.write(Values.integer(49)), replies.get(49));
    assertEquals(Message.close(), replies.get(50));
  }

  @Test
  void aDirectChannelSendsTheMessagesGivenAtItsOpeningInOrderAfterItsFirst() throws Exception {
    List<Message> replies = new java.util.concurrent.CopyOnWriteArrayList<>();
    CompletableFuture<Throwable> ended = new CompletableFuture<>();
    List<Message> then = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      then.add(Message.write(Values.integer(i)));
    }
    then.add(Message.close());
    client.open(Message.of(TestService.STREAM), then, Graph.STREAMING, 16, new ClientConnection.Replies() {
      @Override
      public void reply(Message message) {
        replies.add(message);
      }

      @Override
      public void end(Throwable failure) {
        ended.complete(failure);
      }
    });
    assertEquals(null, ended.get(10, TimeUnit.SECONDS), "ended by the service's close, not a failure");
    List<Message> expected = new ArrayList<>(then);
    assertEquals(expected, replies, "echoed in the order given, the service's close last");
  }

  @Test
  void slowReplyConsumerBackpressuresTheService() throws Exception {
    TestSubscriber.Probe<Message> replies = Source.<Message>empty()
        .via(client.channel(Message.of(TestService.FLOOD), Graph.STREAMING))
        .runWith(TestSink.probe(TestSystem.classic()), TestSystem.get());
    replies.request(1);
    replies.expectNext(Duration.ofSeconds(10));
    int[] last = {-1};
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(300)).until(() -> {
      int now = service.floodPulled.get();
      boolean settled = now == last[0];
      last[0] = now;
      return settled;
    });
    int pulled = service.floodPulled.get();
    assertTrue(pulled < TestService.FLOOD_CHUNKS / 4, "service pulled " + pulled + " chunks for a consumer that took one");
    // The other channels of the connection wait too; once the consumer reads, everything flows.
    replies.request(Long.MAX_VALUE);
    int writes = 1;
    Message m = replies.expectNext(Duration.ofSeconds(10));
    while (m.type() == Graph.WRITE) {
      writes++;
      m = replies.expectNext(Duration.ofSeconds(10));
    }
    assertEquals(TestService.FLOOD_CHUNKS, writes);
    replies.expectComplete();
  }

  @Test
  void disconnectFailsOpenChannelsWithNotConnected() throws Exception {
    try (ServerSocket fake = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = fake.getLocalPort();
      ClientConnection c = get(ClientConnection.connect(TestSystem.get(), "127.0.0.1", port, SETTINGS));
      var pending = c.call(TestService.HANG);
      var streaming = Source.<Message>never().via(c.channel(Message.of(TestService.STREAM), Graph.STREAMING))
          .runWith(Sink.seq(), TestSystem.get());
      try (Socket s = fake.accept()) {
        s.setSoTimeout(10_000);
        Frame first = readFrame(s.getInputStream(), new FrameDecoder(1 << 20));
        assertEquals(1, first.channel());
      }
      CocaineException e = failure(pending);
      assertEquals(ErrorCode.NOT_CONNECTED, e.code());
      assertEquals("disconnected from 127.0.0.1:" + port, e.getMessage());
      assertEquals(ErrorCode.NOT_CONNECTED, failure(streaming).code());
      get(c.closed());
      assertEquals(ErrorCode.NOT_CONNECTED, failure(c.call(TestService.ECHO)).code());
    }
  }

  @Test
  void repliesOnUnknownChannelsAreDropped() throws Exception {
    try (ServerSocket fake = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      ClientConnection c = get(ClientConnection.connect(TestSystem.get(), "127.0.0.1", fake.getLocalPort(), SETTINGS));
      var call = c.call(TestService.ECHO, Values.str("x"));
      try (Socket s = fake.accept()) {
        s.setSoTimeout(10_000);
        Frame request = readFrame(s.getInputStream(), new FrameDecoder(1 << 20));
        OutputStream out = s.getOutputStream();
        out.write(FrameEncoder.encode(Message.value(Values.str("stray")).on(99)));
        out.write(FrameEncoder.encode(Message.value(request.args().toArray(new Value[0])).on(request.channel())));
        out.flush();
        assertEquals(List.of(Values.str("x")), get(call));
      }
      c.close();
    }
  }

  @Test
  void unreachablePeerFailsTheConnect() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    CocaineException e = failure(ClientConnection.connect(TestSystem.get(), "127.0.0.1", port, SETTINGS));
    assertEquals(ErrorCode.NOT_CONNECTED, e.code());
    assertTrue(e.getMessage().startsWith("cannot connect to 127.0.0.1:" + port), e.getMessage());
  }

  private static Frame readFrame(InputStream in, FrameDecoder decoder) throws Exception {
    byte[] buf = new byte[4096];
    while (true) {
      Frame f = decoder.next();
      if (f != null) {
        return f;
      }
      int n = in.read(buf);
      if (n < 0) {
        throw new java.io.EOFException();
      }
      decoder.feed(Arrays.copyOf(buf, n));
    }
  }
}
