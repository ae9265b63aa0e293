package cocaine.rpc.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.rpc.transport.ConnectionSettings;
import cocaine.wire.Frame;
import cocaine.wire.Message;
import cocaine.wire.Values;
import cocaine.wire.WireClient;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.stream.javadsl.Tcp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a node pays per published app in threads: each app has a TCP service port and a unix worker
 * socket. Both accept on the process's shared selector, so 200 of each add no thread per socket
 * (they added one each: 400 for 200 apps, ~2,050 for 1,000 in bench/cluster/desired-state.sh).
 */
@Timeout(120)
class AcceptThreadsTest {
  private static final int APPS = 200;
  private static final ConnectionSettings SETTINGS = new ConnectionSettings(1 << 20, 4, 8);

  @TempDir
  Path tmp;

  @Test
  void twoHundredServicesAndWorkerSocketsAddNoThreadPerSocketAndAllAccept() throws Exception {
    var threads = ManagementFactory.getThreadMXBean();
    // the shared selector and the system's dispatchers exist before counting
    Tcp.ServerBinding warm = Server.bind(TestSystem.get(), "127.0.0.1", 0, new TestService(), SETTINGS)
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    warm.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    int before = threads.getThreadCount();

    List<Tcp.ServerBinding> ports = new ArrayList<>();
    List<UnixSocketServer> pipes = new ArrayList<>();
    try {
      for (int i = 0; i < APPS; i++) {
        ports.add(Server.bind(TestSystem.get(), "127.0.0.1", 0, new TestService(), SETTINGS)
            .toCompletableFuture().get(10, TimeUnit.SECONDS));
        pipes.add(UnixSocketServer.bind(TestSystem.get(), tmp.resolve("app" + i),
            info -> ServerConnection.flow(new TestService(), SETTINGS, info.connectionId(), info.peer())));
      }
      int grown = threads.getThreadCount() - before;
      System.out.printf("threads: %d before, %d after %d service ports and %d worker sockets (+%d)%n", before,
          before + grown, APPS, APPS, grown);
      assertTrue(grown < 20, "threads grew by " + grown + " for " + APPS + " apps' sockets");

      for (int i = 0; i < APPS; i += 20) { // they all accept
        try (WireClient c = new WireClient(ports.get(i).localAddress().getPort())) {
          c.send(1, Message.of(TestService.ECHO, Values.str("port " + i)));
          assertEquals(new Frame(1, 0, List.of(Values.str("port " + i)), List.of()), c.read());
        }
      }
    } finally {
      for (Tcp.ServerBinding b : ports) {
        b.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
      pipes.forEach(UnixSocketServer::unbind);
    }
  }

  @Test
  void anUnboundPortCanBeBoundAgainAtOnce() throws Exception {
    Tcp.ServerBinding first = Server.bind(TestSystem.get(), "127.0.0.1", 0, new TestService(), SETTINGS)
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    int port = first.localAddress().getPort();
    for (int i = 0; i < 20; i++) {
      Tcp.ServerBinding b = i == 0 ? first : Server.bind(TestSystem.get(), "127.0.0.1", port, new TestService(),
          SETTINGS).toCompletableFuture().get(10, TimeUnit.SECONDS);
      try (WireClient c = new WireClient(port)) {
        c.send(1, Message.of(TestService.ECHO, Values.str("life " + i)));
        assertEquals(new Frame(1, 0, List.of(Values.str("life " + i)), List.of()), c.read());
      }
      b.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
