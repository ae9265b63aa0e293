package cocaine.rpc.service;

import static cocaine.wire.WireBytes.hex;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.rpc.transport.ConnectionSettings;
import cocaine.wire.Frame;
import cocaine.wire.Message;
import cocaine.wire.Values;
import cocaine.wire.WireClient;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.BindException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.Tcp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The listening side of {@link Server}: binding, unbinding, closing, and what a connection holds. */
@Timeout(60)
class ServerTest {
  private static final ConnectionSettings SETTINGS = new ConnectionSettings(1 << 20, 4, 8);

  private static Tcp.ServerBinding bind(int port, SharedKillSwitch connections) throws Exception {
    return Server.bind(TestSystem.get(), "127.0.0.1", port, new TestService(), SETTINGS, connections)
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static void unbind(Tcp.ServerBinding binding) throws Exception {
    binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static void assertEcho(WireClient c, long channel, String text) throws IOException {
    c.send(channel, Message.of(TestService.ECHO, Values.str(text)));
    assertEquals(new Frame(channel, 0, List.of(Values.str(text)), List.of()), c.read());
  }

  @Test
  void unbindStopsAcceptingWhileAnOpenConnectionKeepsWorking() throws Exception {
    Tcp.ServerBinding binding = bind(0, null);
    int port = binding.localAddress().getPort();
    try (WireClient open = new WireClient(port)) {
      assertEcho(open, 1, "before");
      unbind(binding);
      binding.whenUnbound().toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThrows(ConnectException.class, () -> new WireClient(port).close(), "nobody listens after unbind");
      assertEcho(open, 2, "after");
    }
  }

  @Test
  void bindingATakenPortFailsTheStageWithTheAddress() throws Exception {
    Tcp.ServerBinding first = bind(0, null);
    int port = first.localAddress().getPort();
    try {
      ExecutionException e = assertThrows(ExecutionException.class, () -> bind(port, null));
      assertInstanceOf(BindException.class, e.getCause());
      String message = e.getCause().getMessage();
      assertTrue(message.startsWith("'test' cannot listen on 127.0.0.1:" + port + ": "), message);
      assertTrue(message.contains("in use"), message);
      try (WireClient c = new WireClient(port)) {
        assertEcho(c, 1, "the first binding serves on");
      }
    } finally {
      unbind(first);
    }
  }

  @Test
  void theKillSwitchClosesEveryAcceptedConnection() throws Exception {
    SharedKillSwitch connections = KillSwitches.shared("test-connections");
    Tcp.ServerBinding binding = bind(0, connections);
    int port = binding.localAddress().getPort();
    try (WireClient a = new WireClient(port); WireClient b = new WireClient(port)) {
      assertEcho(a, 1, "a");
      assertEcho(b, 1, "b");
      connections.shutdown();
      assertTrue(a.closedByServer(), "first connection closed");
      assertTrue(b.closedByServer(), "second connection closed");
    } finally {
      unbind(binding);
    }
  }

  /**
   * A closed socket still registered with a selector keeps its descriptor until the selector's
   * next round; the peer then gets no reset and the server leaks descriptors while it is idle.
   */
  @Test
  void aConnectionTheServerClosedIsReleasedAtOnce() throws Exception {
    Tcp.ServerBinding binding = bind(0, null);
    try (WireClient c = new WireClient(binding.localAddress().getPort())) {
      assertEcho(c, 1, "registered");
      c.send(hex("c1")); // never valid msgpack: the server closes the connection
      assertTrue(c.closedByServer());
      // once the descriptor is closed, the peer's bytes are answered with a reset
      await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).until(() -> {
        try {
          c.send(new byte[] {(byte) 0x90});
          return false;
        } catch (IOException e) {
          return true;
        }
      });
    } finally {
      unbind(binding);
    }
  }

  @Test
  void idleConnectionsHoldNoReadBufferOfTheirOwn() throws Exception {
    BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
        .filter(p -> p.getName().equals("direct")).findFirst().orElseThrow();
    Tcp.ServerBinding binding = bind(0, null);
    int port = binding.localAddress().getPort();
    int connections = 500;
    List<WireClient> clients = new ArrayList<>();
    try {
      assertEcho(track(clients, new WireClient(port)), 1, "warm-up"); // the stream threads' own buffers
      long before = direct.getMemoryUsed();
      for (int i = 0; i < connections; i++) {
        assertEcho(track(clients, new WireClient(port)), 1, "idle " + i);
      }
      long grown = direct.getMemoryUsed() - before;
      assertTrue(grown < connections * 4096L,
          "direct memory grew by " + grown + " bytes for " + connections + " idle connections");
    } finally {
      for (WireClient c : clients) {
        c.close();
      }
      unbind(binding);
    }
  }

  private static WireClient track(List<WireClient> clients, WireClient c) {
    clients.add(c);
    return c;
  }
}
