package cocaine.rpc.service;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.rpc.transport.ConnectionSettings;
import cocaine.wire.Frame;
import cocaine.wire.Message;
import cocaine.wire.Values;
import cocaine.wire.WireClient;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.stream.javadsl.Tcp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ServerClientLimitTest {
  private Tcp.ServerBinding binding;
  private int port;

  @BeforeEach
  void bind() throws Exception {
    binding = Server.bind(TestSystem.get(), "127.0.0.1", 0, new TestService(),
            new ConnectionSettings(1 << 20, 4, 8, 1 << 20, 2))
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    port = binding.localAddress().getPort();
  }

  @AfterEach
  void unbind() throws Exception {
    binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static Frame echo(WireClient c, long channel, String text) throws IOException {
    c.send(channel, Message.of(TestService.ECHO, Values.str(text)));
    return c.read();
  }

  @Test
  void aClientAtItsConnectionLimitHasTheNextOneClosedWhileItsOthersAreServed() throws Exception {
    try (WireClient first = new WireClient(port); WireClient second = new WireClient(port)) {
      assertEquals(new Frame(1, 0, List.of(Values.str("a")), List.of()), echo(first, 1, "a"));
      assertEquals(new Frame(1, 0, List.of(Values.str("b")), List.of()), echo(second, 1, "b"));
      try (WireClient third = new WireClient(port)) {
        assertTrue(third.closedByServer(), "the third connection of one address is closed");
      }
      assertEquals(new Frame(2, 0, List.of(Values.str("a2")), List.of()), echo(first, 2, "a2"));
    }
    // both closed: the address is below its limit again
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).ignoreExceptions().untilAsserted(() -> {
      try (WireClient again = new WireClient(port); WireClient another = new WireClient(port)) {
        assertEquals(new Frame(1, 0, List.of(Values.str("d")), List.of()), echo(again, 1, "d"));
        assertEquals(new Frame(1, 0, List.of(Values.str("e")), List.of()), echo(another, 1, "e"));
      }
    });
  }
}
