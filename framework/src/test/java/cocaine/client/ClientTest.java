package cocaine.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.Graph;
import cocaine.wire.Header;
import cocaine.wire.Message;
import cocaine.wire.Protocol;
import cocaine.wire.Values;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.msgpack.value.Value;

class ClientTest {
  static final Duration WAIT = Duration.ofSeconds(10);

  static final Protocol APP = Protocol.builder()
      .method(0, "enqueue", Graph.STREAMING, Graph.STREAMING)
      .method(1, "info", Graph.TERMINAL, Graph.PRIMITIVE)
      .method(2, "control", Graph.STREAMING, Graph.PRIMITIVE)
      .build();
  static final Protocol STORAGE = Protocol.builder()
      .method(0, "read", Graph.TERMINAL, Graph.PRIMITIVE)
      .method(1, "write", Graph.TERMINAL, Graph.PRIMITIVE)
      .method(2, "remove", Graph.TERMINAL, Graph.PRIMITIVE)
      .method(3, "find", Graph.TERMINAL, Graph.PRIMITIVE)
      .build();
  static final Protocol LOGGING = Protocol.builder()
      .method(0, "emit", Graph.TERMINAL, Graph.TERMINAL)
      .method(1, "verbosity", Graph.TERMINAL, Graph.PRIMITIVE)
      .build();

  final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
  }

  <T extends AutoCloseable> T track(T c) {
    closeables.add(c);
    return c;
  }

  /** A locator that knows the given services, all at {@code 127.0.0.1:port}. */
  FakeService locator(Map<String, Object[]> services) throws Exception {
    return track(new FakeService((f, peer) -> {
      if (f.type() != 0) {
        peer.send(f.channel(), Message.error(ErrorCode.SLOT_NOT_FOUND, "only resolve here"));
        return;
      }
      String name = Values.asString(f.args().get(0));
      Object[] s = services.get(name);
      if (s == null) {
        peer.send(f.channel(), Message.error(ErrorCode.SERVICE_NOT_AVAILABLE, "service is not available"));
      } else {
        peer.send(f.channel(), Message.value(
            Values.array(Values.array(Values.str("127.0.0.1"), Values.integer((Integer) s[0]))),
            Values.integer(1), ((Protocol) s[1]).toValue()));
      }
    }));
  }

  @Test
  void resolveReadsEndpointsVersionAndMethods() throws Exception {
    FakeService loc = locator(Map.of("echo", new Object[] {32768, APP}));
    Locator locator = track(Locator.connect("127.0.0.1", loc.port()));
    Locator.Resolved r = locator.resolve("echo");
    assertEquals(List.of(new Locator.Endpoint("127.0.0.1", 32768)), r.endpoints());
    assertEquals(1, r.version());
    assertEquals(Map.of(0, "enqueue", 1, "info", 2, "control"), r.methods());
    assertEquals(APP.toValue(), r.graph());
    assertEquals(APP.toValue(), r.protocol().toValue());
    assertEquals(Graph.STREAMING, r.protocol().method(0).dispatch());
    Frame sent = loc.next(WAIT);
    assertEquals(List.of(Values.str("echo")), sent.args());
  }

  @Test
  void aLoopbackEndpointFromALocatorReachedElsewhereIsTheLocatorsOwnHost() throws Exception {
    java.net.InetAddress own = java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces()).stream()
        .flatMap(i -> java.util.Collections.list(i.getInetAddresses()).stream())
        .filter(a -> a instanceof java.net.Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress())
        .findFirst().orElse(null);
    org.junit.jupiter.api.Assumptions.assumeTrue(own != null, "this host has a non-loopback IPv4 address");
    FakeService loc = track(new FakeService((f, peer) -> peer.send(f.channel(), Message.value(
        Values.array(Values.array(Values.str("127.0.0.1"), Values.integer(4000)),
            Values.array(Values.str("10.9.8.7"), Values.integer(4001))),
        Values.integer(1), APP.toValue())), own));
    Locator locator = track(Locator.connect(own.getHostAddress(), loc.port()));
    assertEquals(List.of(new Locator.Endpoint(own.getHostAddress(), 4000), new Locator.Endpoint("10.9.8.7", 4001)),
        locator.resolve("echo").endpoints());
  }

  @Test
  void resolveOfUnknownNameFailsWithServiceNotAvailable() throws Exception {
    FakeService loc = locator(Map.of());
    Locator locator = track(Locator.connect("127.0.0.1", loc.port()));
    CocaineException e = assertThrows(CocaineException.class, () -> locator.resolve("nosuch"));
    assertEquals(ErrorCode.SERVICE_NOT_AVAILABLE, e.code());
    assertEquals("service is not available", e.getMessage());
  }

  @Test
  void channelIdsStartAtOneAndStrictlyIncrease() throws Exception {
    FakeService loc = locator(Map.of("echo", new Object[] {1, APP}));
    Locator locator = track(Locator.connect("127.0.0.1", loc.port()));
    for (int i = 0; i < 3; i++) {
      locator.resolve("echo");
    }
    assertEquals(1, loc.next(WAIT).channel());
    assertEquals(2, loc.next(WAIT).channel());
    assertEquals(3, loc.next(WAIT).channel());
  }

  @Test
  void serviceClientCallsMethodsByNameAndTurnsErrorsIntoExceptions() throws Exception {
    FakeService storage = track(new FakeService((f, peer) -> {
      switch (f.type()) {
        case 0 -> {
          if (Values.asString(f.args().get(1)).equals("k")) {
            peer.send(f.channel(), Message.value(Values.bytes(new byte[] {1, 2, 3})));
          } else {
            peer.send(f.channel(), Message.error(ErrorCode.NOT_FOUND, "k2: No such file or directory"));
          }
        }
        case 3 -> peer.send(f.channel(), Message.value(Values.strings(List.of("a", "b"))));
        default -> peer.send(f.channel(), Message.value());
      }
    }));
    FakeService loc = locator(Map.of("storage", new Object[] {storage.port(), STORAGE}));
    StorageClient client = track(new StorageClient(
        ServiceClient.connect("127.0.0.1", loc.port(), "storage"), WAIT));
    assertArrayEquals(new byte[] {1, 2, 3}, client.read("c", "k"));
    CocaineException e = assertThrows(CocaineException.class, () -> client.read("c", "k2"));
    assertEquals(ErrorCode.NOT_FOUND, e.code());
    client.write("c", "k", "blob".getBytes(), List.of("t1"));
    assertEquals(List.of("a", "b"), client.find("c", List.of("t1")));
    storage.next(WAIT);
    storage.next(WAIT);
    Frame write = storage.next(WAIT);
    assertEquals(1, write.type());
    assertEquals(List.of(Values.str("c"), Values.str("k"), Values.str("blob"), Values.strings(List.of("t1"))), write.args());
    CocaineException unknown = assertThrows(CocaineException.class, () -> client.service().call("nosuch"));
    assertEquals(ErrorCode.SLOT_NOT_FOUND, unknown.code());
  }

  @Test
  void storageClientSendsItsHeadersWithEveryCallAndLocatorRefreshWithItsOwn() throws Exception {
    FakeService storage = track(new FakeService((f, peer) -> peer.send(f.channel(),
        f.type() == 0 ? Message.value(Values.bytes(new byte[] {1})) : f.type() == 3
            ? Message.value(Values.strings(List.of("k"))) : Message.value())));
    FakeService loc = locator(Map.of("storage", new Object[] {storage.port(), STORAGE}));
    Header auth = new Header(Header.AUTHORIZATION, "Bearer t".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    StorageClient client = track(new StorageClient(ServiceClient.connect("127.0.0.1", loc.port(), "storage"), WAIT,
        List.of(auth)));
    client.read("manifests", "k");
    client.find("manifests", List.of("app"));
    client.write("c", "k", new byte[] {1}, List.of());
    client.remove("c", "k");
    for (int method : new int[] {0, 3, 1, 2}) {
      Frame f = storage.next(WAIT);
      assertEquals(method, f.type());
      assertEquals(List.of(auth), f.headers(), "method " + method);
    }
    FakeService refreshing = track(new FakeService((f, peer) -> peer.send(f.channel(), Message.value())));
    Locator other = track(Locator.connect("127.0.0.1", refreshing.port()));
    other.refresh(List.of("g"), List.of(auth));
    Frame refresh = refreshing.next(WAIT);
    assertEquals(2, refresh.type());
    assertEquals(List.of(auth), refresh.headers());
    assertEquals(List.of(Values.strings(List.of("g"))), refresh.args());
  }

  @Test
  void enqueueStreamsChunksBothWays() throws Exception {
    FakeService app = track(new FakeService((f, peer) -> {
      if (f.type() == 0 && f.args().size() == 1 && Values.asString(f.args().get(0)).startsWith("chunk")) {
        peer.send(f.channel(), Message.write(f.args().get(0)));
      } else if (f.type() == 2) {
        peer.send(f.channel(), Message.close());
      }
    }));
    FakeService loc = locator(Map.of("echo", new Object[] {app.port(), APP}));
    ServiceClient echo = track(ServiceClient.connect("127.0.0.1", loc.port(), "echo"));
    ClientChannel ch = echo.enqueue("ping");
    ch.write("chunk-1".getBytes());
    ch.write(Values.str("chunk-2"));
    ch.close();
    List<byte[]> got = ch.readAll(WAIT);
    assertEquals(2, got.size());
    assertEquals("chunk-1", new String(got.get(0)));
    assertEquals("chunk-2", new String(got.get(1)));
    assertEquals(List.of(Values.str("ping")), app.next(WAIT).args());
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> ch.write("late".getBytes()));
    assertTrue(e.getMessage().contains("not allowed"), e.getMessage());
  }

  @Test
  void errorReplyOnStreamIsThrownWithItsCode() throws Exception {
    FakeService app = track(new FakeService((f, peer) ->
        peer.send(f.channel(), Message.error(ErrorCode.QUEUE_IS_FULL, "queue is full"))));
    Connection c = track(Connection.open("127.0.0.1", app.port()));
    ClientChannel ch = c.open(Message.of(0, Values.str("ping")), Graph.STREAMING, Graph.STREAMING);
    CocaineException e = assertThrows(CocaineException.class, () -> ch.readAll(WAIT));
    assertEquals(ErrorCode.QUEUE_IS_FULL, e.code());
  }

  @Test
  void disconnectFailsEveryOpenChannelWithNotConnected() throws Exception {
    CountDownLatch two = new CountDownLatch(2);
    FakeService app = track(new FakeService((f, peer) -> {
      if (f.channel() == 1) {
        peer.send(1, Message.write(Values.str("before")));
      }
      two.countDown();
      if (two.getCount() == 0) {
        peer.close();
      }
    }));
    Connection c = track(Connection.open("127.0.0.1", app.port()));
    ClientChannel stream = c.open(Message.of(0, Values.str("ping")), Graph.STREAMING, Graph.STREAMING);
    CompletableFuture<List<Value>> call = c.call(Message.of(1), Graph.PRIMITIVE);
    ExecutionException e = assertThrows(ExecutionException.class, () -> call.get(WAIT.toSeconds(), TimeUnit.SECONDS));
    assertEquals(ErrorCode.NOT_CONNECTED, ((CocaineException) e.getCause()).code());
    // what came before the disconnect is still delivered, then the failure
    assertEquals(List.of(Values.str("before")), stream.receive(WAIT).args());
    CocaineException s = assertThrows(CocaineException.class, () -> stream.receive(WAIT));
    assertEquals(ErrorCode.NOT_CONNECTED, s.code());
    CocaineException later = assertThrows(CocaineException.class, () -> c.call(Message.of(1), Graph.PRIMITIVE));
    assertEquals(ErrorCode.NOT_CONNECTED, later.code());
  }

  @Test
  void smallReplyBufferLosesNothing() throws Exception {
    FakeService app = track(new FakeService((f, peer) -> {
      for (int i = 0; i < 200; i++) {
        peer.send(f.channel(), Message.write(Values.str("c" + i)));
      }
      peer.send(f.channel(), Message.close());
    }));
    Connection c = track(Connection.open(new InetSocketAddress("127.0.0.1", app.port()),
        Connection.Settings.DEFAULT.withReplyBuffer(2)));
    ClientChannel ch = c.open(Message.of(0, Values.str("ping")), Graph.STREAMING, Graph.STREAMING);
    List<byte[]> got = ch.readAll(WAIT);
    assertEquals(200, got.size());
    assertEquals("c199", new String(got.get(199)));
  }

  @Test
  void receiveReturnsNullOnTimeout() throws Exception {
    FakeService app = track(new FakeService((f, peer) -> { }));
    Connection c = track(Connection.open("127.0.0.1", app.port()));
    ClientChannel ch = c.open(Message.of(0, Values.str("ping")), Graph.STREAMING, Graph.STREAMING);
    assertNull(ch.receive(Duration.ofMillis(50)));
  }

  @Test
  void emitSendsOneFrameAndExpectsNoReply() throws Exception {
    FakeService logging = track(new FakeService((f, peer) -> {
      if (f.type() == 1) {
        peer.send(f.channel(), Message.value(Values.integer(2)));
      }
    }));
    FakeService loc = locator(Map.of("logging", new Object[] {logging.port(), LOGGING}));
    LoggingClient log = track(LoggingClient.connect("127.0.0.1", loc.port()));
    log.emit(LoggingClient.INFO, "app/echo", "hello", Map.of("k", "v"));
    Frame emit = logging.next(WAIT);
    assertEquals(0, emit.type());
    assertEquals(List.of(Values.integer(1), Values.str("app/echo"), Values.str("hello"),
        Values.array(Values.array(Values.str("k"), Values.str("v")))), emit.args());
    assertEquals(2, log.verbosity());
  }

  @Test
  void endpointParsingHandlesIpv6AndDefaults() {
    assertEquals(new Locator.Endpoint("::1", 10053), Locator.Endpoint.parse("[::1]:10053", 1));
    assertEquals(new Locator.Endpoint("::1", 7), Locator.Endpoint.parse("::1", 7));
    assertEquals(new Locator.Endpoint("host", 10053), Locator.Endpoint.parse("host", 10053));
    assertEquals(new Locator.Endpoint("10.0.0.1", 99), Locator.Endpoint.parse("10.0.0.1:99", 1));
    assertThrows(IllegalArgumentException.class, () -> Locator.Endpoint.parse("h:0", 1));
  }
}
