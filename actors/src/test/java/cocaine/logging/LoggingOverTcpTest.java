package cocaine.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import cocaine.rpc.channel.ClientConnection;
import cocaine.rpc.service.Server;
import cocaine.rpc.transport.ConnectionSettings;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The logging service served by the real transport, called by the real client. */
@ExtendWith(TestKitJUnit5Extension.class)
class LoggingOverTcpTest {
  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  @Test
  void emitHasNoReplyOnTheWireAndVerbosityFiltersIt() throws Exception {
    LoggingTest.Recording sink = new LoggingTest.Recording();
    ActorRef<Logging.Command> logging = testKit.spawn(Logging.create(Severity.INFO, List.of(sink)), Logging.mailbox(1024));
    Tcp.ServerBinding binding = Server.bind(testKit.system(), "127.0.0.1", 0,
        new LoggingService(testKit.system(), logging, Duration.ofSeconds(5)), ConnectionSettings.DEFAULTS)
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    ClientConnection client = ClientConnection.connect(testKit.system(), "127.0.0.1", binding.localAddress().getPort(),
        ConnectionSettings.DEFAULTS).toCompletableFuture().get(10, TimeUnit.SECONDS);
    try {
      for (int level = 0; level < 4; level++) {
        List<Message> replies = Source.<Message>empty()
            .via(client.channel(Message.of(LoggingService.EMIT, Values.integer(level), Values.str("app/echo"),
                Values.str("line " + level)), Graph.TERMINAL))
            .runWith(Sink.seq(), testKit.system()).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(List.of(), replies, "emit has no reply at all");
      }
      assertEquals("line 1", sink.next().message());
      assertEquals("line 2", sink.next().message());
      assertEquals("line 3", sink.next().message());

      assertEquals(List.of(Values.integer(1)), client.call(LoggingService.VERBOSITY).toCompletableFuture().get(10, TimeUnit.SECONDS));
      assertEquals(List.of(), client.call(LoggingService.SET_VERBOSITY, Values.integer(0)).toCompletableFuture().get(10, TimeUnit.SECONDS));
      assertEquals(List.of(Values.integer(0)), client.call(LoggingService.VERBOSITY).toCompletableFuture().get(10, TimeUnit.SECONDS));
    } finally {
      client.close();
      binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
