package cocaine.rpc.service;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.rpc.channel.ClientConnection;
import cocaine.rpc.transport.ConnectionSettings;
import cocaine.rpc.transport.InProcess;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Values;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.Tcp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A client connecting to a server of its own process: in memory when on, through TCP otherwise. */
@Timeout(60)
class InProcessTest {
  private static final ConnectionSettings SETTINGS = new ConnectionSettings(1 << 20, 4, 16);
  private final TestService service = new TestService();

  @AfterEach
  void off() {
    InProcess.useForProcess(false);
  }

  private static <T> T get(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static CocaineException failure(CompletionStage<?> stage) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> get(stage));
    return assertInstanceOf(CocaineException.class, e.getCause());
  }

  private Tcp.ServerBinding bind(SharedKillSwitch connections) throws Exception {
    return get(Server.bind(TestSystem.get(), "127.0.0.1", 0, service, SETTINGS, connections));
  }

  /** The peer the service saw for one call from a client of this process to {@code host}. */
  private String peerOfACall(String host, int port) throws Exception {
    ClientConnection client = get(ClientConnection.connect(TestSystem.get(), host, port, SETTINGS));
    assertEquals(List.of(Values.str("a")), get(client.call(TestService.ECHO, Values.str("a"))));
    client.close();
    get(client.closed());
    return service.contexts.poll().peer();
  }

  @Test
  void onlyWhenOnAndForAnIpLiteralThisProcessBound() throws Exception {
    Tcp.ServerBinding binding = bind(null);
    int port = binding.localAddress().getPort();
    assertTrue(peerOfACall("127.0.0.1", port).startsWith("127.0.0.1:"));
    InProcess.useForProcess(true);
    assertEquals(Server.IN_PROCESS_PEER, peerOfACall("127.0.0.1", port));
    assertTrue(peerOfACall("localhost", port).startsWith("127.0.0.1:"), "a name goes through TCP");
    get(binding.unbind());
  }

  @Test
  void anUnboundPortRefusesLikeTcp() throws Exception {
    InProcess.useForProcess(true);
    Tcp.ServerBinding binding = bind(null);
    int port = binding.localAddress().getPort();
    get(binding.unbind());
    CocaineException e = failure(ClientConnection.connect(TestSystem.get(), "127.0.0.1", port, SETTINGS));
    assertEquals(ErrorCode.NOT_CONNECTED, e.code());
  }

  @Test
  void theServersKillSwitchDisconnectsTheClient() throws Exception {
    InProcess.useForProcess(true);
    SharedKillSwitch connections = KillSwitches.shared("in-process-test");
    Tcp.ServerBinding binding = bind(connections);
    int port = binding.localAddress().getPort();
    ClientConnection client = get(ClientConnection.connect(TestSystem.get(), "127.0.0.1", port, SETTINGS));
    var hanging = client.call(TestService.HANG);
    // the call reached the service before the switch: a hanging channel the close must fail
    await().atMost(Duration.ofSeconds(10)).until(() -> !service.contexts.isEmpty());
    assertEquals(Server.IN_PROCESS_PEER, service.contexts.peek().peer());
    connections.shutdown();
    CocaineException e = failure(hanging);
    assertEquals(ErrorCode.NOT_CONNECTED, e.code());
    assertEquals("disconnected from 127.0.0.1:" + port, e.getMessage());
    get(client.closed());
    get(binding.unbind());
  }
}
