package cocaine.rpc.service;

import static cocaine.wire.WireBytes.hex;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.rpc.transport.ConnectionSettings;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Values;
import cocaine.wire.WireClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.stream.javadsl.Tcp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ServerConnectionTest {
  private final TestService service = new TestService();
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

  private static ErrorCode code(Frame error) {
    assertEquals(Graph.ERROR, error.type(), error.toString());
    return error.message().toException().code();
  }

  private static void assertError(Frame f, long channel, ErrorCode code, String text) {
    assertEquals(channel, f.channel(), f.toString());
    assertEquals(Graph.ERROR, f.type(), f.toString());
    assertEquals(code, code(f), f.toString());
    assertEquals(text, f.message().toException().getMessage());
  }

  @Test
  void bindsAnEphemeralPort() {
    assertTrue(port > 0);
  }

  @Test
  void resolveLikeCallRoundTripsFromPythonBytes() throws Exception {
    try (WireClient c = new WireClient(port)) {
      c.send(hex("94 01 00 91 a4 65 63 68 6f 90"));
      Frame reply = c.read();
      assertEquals(new Frame(1, 0, List.of(Values.str("echo")), List.of()), reply);
      c.send(hex("93 02 00 91 a3 61 62 63")); // a 3-element frame, as Python workers send
      assertEquals(new Frame(2, 0, List.of(Values.str("abc")), List.of()), c.read());
    }
    ChannelContext first = service.contexts.peek();
    assertEquals(1, first.channel());
    assertTrue(first.peer().startsWith("127.0.0.1:"), first.peer());
  }

  @Test
  void unknownMethodGetsAnErrorAndTheConnectionStaysUsable() throws Exception {
    try (WireClient c = new WireClient(port)) {
      c.send(1, Message.of(42));
      assertError(c.read(), 1, ErrorCode.SLOT_NOT_FOUND, "unknown method id 42 for service 'test'");
      c.send(2, Message.of(TestService.ECHO, Values.str("still here")));
      assertEquals(new Frame(2, 0, List.of(Values.str("still here")), List.of()), c.read());
    }
  }

  @Test
  void reusedChannelIdGetsRevokedAndTheConnectionStaysUsable() throws Exception {
    try (WireClient c = new WireClient(port)) {
      c.send(5, Message.of(TestService.ECHO, Values.str("a")));
      assertEquals(5, c.read().channel());
      c.send(5, Message.of(TestService.ECHO, Values.str("b")));
      assertError(c.read(), 5, ErrorCode.REVOKED_CHANNEL, "channel 5 is closed or was never opened (ids must increase)");
      c.send(3, Message.of(TestService.ECHO, Values.str("c")));
      assertError(c.read(), 3, ErrorCode.REVOKED_CHANNEL, "channel 3 is closed or was never opened (ids must increase)");
      c.send(0, Message.of(TestService.ECHO, Values.str("d")));
      assertEquals(ErrorCode.REVOKED_CHANNEL, code(c.read()));
      c.send(6, Message.of(TestService.ECHO, Values.str("e")));
      assertEquals(new Frame(6, 0, List.of(Values.str("e")), List.of()), c.read());
    }
  }

  @Test
  void streamingChannelEchoesWritesThenCloses() throws Exception {
    try (WireClient c = new WireClient(port)) {
      c.send(1, Message.of(TestService.STREAM));
      for (int i = 0; i < 20; i++) {
        c.send(1, Message.write(Values.integer(i)));
      }
      c.send(1, Message.close());
      for (int i = 0; i < 20; i++) {
        assertEquals(new Frame(1, Graph.WRITE, List.of(Values.integer(i)), List.of()), c.read());
      }
      assertEquals(new Frame(1, Graph.CLOSE, List.of(), List.of()), c.read());
    }
  }

  @Test
  void messageAfterTheChannelsEndGetsAnError() throws Exception {
    try (WireClient c = new WireClient(port)) {
      c.send(1, Message.of(TestService.STREAM));
      c.send(1, Message.close());
      c.send(1, Message.write(Values.str("too late")));
      Frame f = c.read();
      while (f.type() != Graph.ERROR) { // the service's close may come first
        assertEquals(Graph.CLOSE, f.type(), f.toString());
        f = c.read();
      }
      assertError(f, 1, ErrorCode.REVOKED_CHANNEL, "channel 1 is closed or was never opened (ids must increase)");
      c.send(2, Message.of(TestService.ECHO));
      assertEquals(2, c.read().channel());
    }
  }

  @Test
  void typeNotAllowedInTheCurrentStateEndsTheChannelWithAnError() throws Exception {
    try (WireClient c = new WireClient(port)) {
      c.send(1, Message.of(TestService.STREAM));
      c.send(1, Message.write(Values.str("x")));
      assertEquals(Graph.WRITE, c.read().type());
      c.send(1, Message.of(7));
      assertError(c.read(), 1, ErrorCode.SLOT_NOT_FOUND, "message type 7 is not allowed on channel 1 in its current state");
      c.send(1, Message.close());
      assertEquals(ErrorCode.REVOKED_CHANNEL, code(c.read()));
      c.send(2, Message.of(TestService.ECHO));
      assertEquals(new Frame(2, 0, List.of(), List.of()), c.read());
    }
  }

  @Test
  void serviceFailuresBecomeErrorReplies() throws Exception {
    try (WireClient c = new WireClient(port)) {
      c.send(1, Message.of(TestService.FAIL));
      assertError(c.read(), 1, ErrorCode.NOT_FOUND, "no such key");
      c.send(2, Message.of(TestService.CRASH));
      assertError(c.read(), 2, ErrorCode.UNCAUGHT, "uncaught error: boom");
      c.send(3, Message.of(TestService.SILENT));
      assertError(c.read(), 3, ErrorCode.CLOSED_UPSTREAM, "service closed the channel without a reply");
      c.send(4, Message.of(TestService.RUDE));
      assertEquals(new Frame(4, Graph.VALUE, List.of(Values.str("ok")), List.of()), c.read());
      c.send(5, Message.of(TestService.ECHO));
      assertEquals(5, c.read().channel());
    }
  }

  @Test
  void channelWithALongerDispatchSeesItsMessagesThenItsEnd() throws Exception {
    try (WireClient c = new WireClient(port)) {
      c.send(1, Message.of(TestService.PUBLISH));
      assertEquals(new Frame(1, Graph.VALUE, List.of(), List.of()), c.read());
      c.send(1, Message.of(0)); // discard
      await().atMost(Duration.ofSeconds(10)).until(() -> service.publishEvents.contains("end"));
      assertEquals(List.of("type 0", "end"), new ArrayList<>(service.publishEvents));
      c.send(1, Message.of(0));
      assertEquals(ErrorCode.REVOKED_CHANNEL, code(c.read()));
    }
  }

  @Test
  void disconnectFailsTheRestOfOpenChannels() throws Exception {
    try (WireClient c = new WireClient(port)) {
      c.send(1, Message.of(TestService.PUBLISH));
      assertEquals(Graph.VALUE, c.read().type());
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> !service.publishEvents.isEmpty());
    String event = service.publishEvents.peek();
    assertTrue(event.contains("[7, 3]") && event.contains("disconnected"), event);
  }

  @Test
  void tooManyChannelsAreRefusedOneByOne() throws Exception {
    try (WireClient c = new WireClient(port)) {
      for (int ch = 1; ch <= 8; ch++) {
        c.send(ch, Message.of(TestService.HANG));
      }
      c.send(9, Message.of(TestService.HANG));
      Frame refused = c.read();
      assertEquals(9, refused.channel());
      assertEquals(ErrorCode.TRY_AGAIN, code(refused));
    }
  }

  @Test
  void callsWithNoReplyTakeNoChannelSlotOnABusyConnection() throws Exception {
    try (WireClient c = new WireClient(port)) {
      for (int ch = 1; ch <= 7; ch++) {
        c.send(ch, Message.of(TestService.HANG));
      }
      for (int ch = 8; ch < 108; ch++) {
        c.send(ch, Message.of(TestService.NOTE, Values.str("note " + ch)));
      }
      c.send(108, Message.of(TestService.ECHO, Values.str("after the notes")));
      assertEquals(new Frame(108, 0, List.of(Values.str("after the notes")), List.of()), c.read());
      await().atMost(Duration.ofSeconds(10)).until(() -> service.notes.size() == 100);
      assertEquals("note 8", service.notes.peek());
    }
  }

  @Test
  void garbageClosesThatConnectionWhileAnotherKeepsWorking() throws Exception {
    try (WireClient bad = new WireClient(port); WireClient good = new WireClient(port)) {
      good.send(1, Message.of(TestService.STREAM));
      bad.send(hex("c1 c1 c1"));
      assertTrue(bad.closedByServer());
      good.send(1, Message.write(Values.str("alive")));
      assertEquals(new Frame(1, Graph.WRITE, List.of(Values.str("alive")), List.of()), good.read());
    }
    try (WireClient notAFrame = new WireClient(port)) {
      notAFrame.send(hex("a3 66 6f 6f"));
      assertTrue(notAFrame.closedByServer());
    }
  }

  @Test
  void oversizeFrameClosesTheConnection() throws Exception {
    try (WireClient c = new WireClient(port)) {
      c.send(hex("94 01 00 91 db 40 00 00 00"));
      assertTrue(c.closedByServer());
    }
  }

  @Test
  void slowReaderBackpressuresTheService() throws Exception {
    try (WireClient c = new WireClient(port, 16 * 1024)) {
      c.send(1, Message.of(TestService.FLOOD));
      int[] last = {-1};
      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(300)).until(() -> {
        int now = service.floodPulled.get();
        boolean settled = now > 0 && now == last[0];
        last[0] = now;
        return settled;
      });
      int pulledWhileNotReading = service.floodPulled.get();
      assertTrue(pulledWhileNotReading < TestService.FLOOD_CHUNKS / 4,
          "service pulled " + pulledWhileNotReading + " chunks for a client that reads nothing");
      int writes = 0;
      Frame f = c.read();
      while (f.type() == Graph.WRITE) {
        writes++;
        f = c.read();
      }
      assertEquals(TestService.FLOOD_CHUNKS, writes);
      assertEquals(Graph.CLOSE, f.type());
    }
  }
}
