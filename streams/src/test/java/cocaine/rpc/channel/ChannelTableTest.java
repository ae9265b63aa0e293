package cocaine.rpc.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Protocol;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChannelTableTest {
  private static final Graph DISCARD = Graph.builder().edge(0, "discard", Graph.TERMINAL).build();
  private static final Protocol PROTOCOL = Protocol.builder()
      .method(0, "resolve", Graph.TERMINAL, Graph.PRIMITIVE)
      .method(4, "publish", DISCARD, Graph.PRIMITIVE)
      .method(5, "enqueue", Graph.STREAMING, Graph.STREAMING)
      .method(9, "session", Graph.RECURSIVE, Graph.STREAMING)
      .build();

  private final ChannelTable table = new ChannelTable("locator", PROTOCOL);

  private static Frame frame(long channel, int type) {
    return new Frame(channel, type, List.of(), List.of());
  }

  private static ChannelTable.Reject assertReject(ChannelTable.Verdict v, ErrorCode code, String reason) {
    ChannelTable.Reject r = assertInstanceOf(ChannelTable.Reject.class, v);
    assertEquals(code, r.code());
    assertEquals(reason, r.reason());
    assertEquals(Message.error(code, reason).on(r.channel()), r.errorFrame());
    return r;
  }

  @Test
  void newChannelWithATerminalDispatchOpensAndIsForgottenAtOnce() {
    ChannelTable.Open open = assertInstanceOf(ChannelTable.Open.class, table.accept(frame(1, 0)));
    assertEquals("resolve", open.method().name());
    assertTrue(open.last());
    assertFalse(table.isOpen(1));
    assertEquals(1, table.maxChannel());
  }

  @Test
  void unknownMethodIsRejectedAndSpendsTheId() {
    assertReject(table.accept(frame(3, 7)), ErrorCode.SLOT_NOT_FOUND, "unknown method id 7 for service 'locator'");
    assertEquals(3, table.maxChannel());
    assertReject(table.accept(frame(3, 0)), ErrorCode.REVOKED_CHANNEL,
        "channel 3 is closed or was never opened (ids must increase)");
  }

  @Test
  void idsMustIncreaseAndZeroIsNeverValid() {
    assertReject(table.accept(frame(0, 0)), ErrorCode.REVOKED_CHANNEL, "channel 0 is not valid (ids start at 1)");
    assertInstanceOf(ChannelTable.Open.class, table.accept(frame(10, 0)));
    assertReject(table.accept(frame(10, 0)), ErrorCode.REVOKED_CHANNEL,
        "channel 10 is closed or was never opened (ids must increase)");
    assertReject(table.accept(frame(9, 0)), ErrorCode.REVOKED_CHANNEL,
        "channel 9 is closed or was never opened (ids must increase)");
    assertInstanceOf(ChannelTable.Open.class, table.accept(frame(999999, 0)));
  }

  @Test
  void streamingDispatchDeliversWritesUntilCloseThenForgets() {
    assertFalse(((ChannelTable.Open) table.accept(frame(1, 5))).last());
    for (int i = 0; i < 3; i++) {
      ChannelTable.Deliver write = assertInstanceOf(ChannelTable.Deliver.class, table.accept(frame(1, Graph.WRITE)));
      assertFalse(write.last());
    }
    ChannelTable.Deliver close = assertInstanceOf(ChannelTable.Deliver.class, table.accept(frame(1, Graph.CLOSE)));
    assertTrue(close.last());
    assertFalse(table.isOpen(1));
    assertReject(table.accept(frame(1, Graph.WRITE)), ErrorCode.REVOKED_CHANNEL,
        "channel 1 is closed or was never opened (ids must increase)");
  }

  @Test
  void errorFromTheClientEndsItsSide() {
    table.accept(frame(1, 5));
    assertTrue(((ChannelTable.Deliver) table.accept(frame(1, Graph.ERROR))).last());
    assertEquals(0, table.openCount());
  }

  @Test
  void typeNotAllowedInTheCurrentStateIsRejectedAndEndsTheChannel() {
    table.accept(frame(1, 4));
    assertReject(table.accept(frame(1, 1)), ErrorCode.SLOT_NOT_FOUND,
        "message type 1 is not allowed on channel 1 in its current state");
    assertFalse(table.isOpen(1));
    assertInstanceOf(ChannelTable.Reject.class, table.accept(frame(1, 0)));
  }

  @Test
  void channelsAreIndependent() {
    table.accept(frame(1, 5));
    table.accept(frame(2, 4));
    assertEquals(2, table.openCount());
    assertTrue(((ChannelTable.Deliver) table.accept(frame(2, 0))).last());
    assertFalse(((ChannelTable.Deliver) table.accept(frame(1, 0))).last());
    assertTrue(table.isOpen(1));
  }

  @Test
  void recursiveDispatchAtTheRootStaysInTheRootProtocol() {
    table.accept(frame(1, 9));
    ChannelTable.Deliver resolve = assertInstanceOf(ChannelTable.Deliver.class, table.accept(frame(1, 9)));
    assertFalse(resolve.last());
    ChannelTable.Deliver enqueue = assertInstanceOf(ChannelTable.Deliver.class, table.accept(frame(1, 5)));
    assertFalse(enqueue.last()); // now in the streaming sub-protocol
    assertTrue(((ChannelTable.Deliver) table.accept(frame(1, Graph.CLOSE))).last());
  }

  @Test
  void endForgetsAnOpenChannel() {
    table.accept(frame(1, 5));
    table.end(1);
    assertInstanceOf(ChannelTable.Reject.class, table.accept(frame(1, Graph.WRITE)));
  }
}
