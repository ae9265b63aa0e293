package cocaine.rpc.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.rpc.channel.ChannelTable;
import cocaine.rpc.channel.FeedInlet;
import cocaine.rpc.channel.Handoff;
import cocaine.rpc.service.ServerChannel.Dispatch;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.Done;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.junit.jupiter.api.Test;
import scala.concurrent.Future;

/**
 * One channel's states without a stream: the connection is a recorder, and both feeds are read
 * through {@link FeedInlet}s whose events arrive at once instead of through a stage's callback.
 */
class ServerChannelTest {
  private static final int WINDOW = 2;
  private static final long ID = 7;

  /** Runs a feed inlet's events at once, on the caller's thread. */
  private static final AsyncCallback<Object> AT_ONCE = new AsyncCallback<>() {
    @Override
    public void invoke(Object event) {
      FeedInlet.dispatch(event);
    }

    @Override
    public Future<Done> invokeWithFeedback(Object event) {
      throw new UnsupportedOperationException();
    }
  };

  /** The connection's side of one channel, recorded. */
  private static final class Connection implements ServerChannel.Connection {
    final List<Frame> sent = new ArrayList<>();
    /** Frames go out as soon as they are sent, as when the peer reads. */
    boolean writesAtOnce;
    int waiting;
    int saturated;
    int resumes;
    int readResumptions;
    int forgetChecks;

    @Override
    public String service() {
      return "test";
    }

    @Override
    public Handoff.Feed<Message> newRest(ServerChannel channel) {
      return new Handoff.Feed<>(WINDOW, () -> resumes++, cause -> {});
    }

    @Override
    public void held(Message message) {
      waiting++;
    }

    @Override
    public void released(Message message) {
      waiting--;
    }

    @Override
    public void saturated(boolean full) {
      saturated += full ? 1 : -1;
    }

    @Override
    public void send(Frame frame, ServerChannel owner) {
      sent.add(frame);
      if (writesAtOnce) {
        owner.written();
      }
    }

    @Override
    public void readsMayResume() {
      readResumptions++;
    }

    @Override
    public void forgetIfDone(ServerChannel channel) {
      forgetChecks++;
    }
  }

  /** A service's reading end of a feed: takes one message per {@link #take}. */
  private static final class Reader extends AbstractInHandler {
    final FeedInlet<Message> inlet;
    final List<Message> taken = new ArrayList<>();
    boolean finished;
    Throwable failure;

    Reader(Handoff.Feed<Message> feed) {
      inlet = new FeedInlet<>(feed, AT_ONCE);
      inlet.setHandler(this);
      inlet.attach();
    }

    void take() {
      inlet.pull();
    }

    @Override
    public void onPush() {
      taken.add(inlet.grab());
    }

    @Override
    public void onUpstreamFinish() {
      finished = true;
    }

    @Override
    public void onUpstreamFailure(Throwable ex) {
      failure = ex;
    }
  }

  private final Connection connection = new Connection();
  /** What the service sends on the channel. */
  private final Handoff.Feed<Message> replies = new Handoff.Feed<>(WINDOW, () -> {}, cause -> {});

  /** A channel as the stage opens it for a direct service: its upstream read and pulled. */
  private ServerChannel open(Graph upstream, boolean clientContinues, int channelBuffer) {
    ServerChannel channel = new ServerChannel(new ChannelContext(1, "peer", ID), upstream, clientContinues,
        channelBuffer, connection);
    FeedInlet<Message> inlet = new FeedInlet<>(replies, AT_ONCE);
    channel.readFrom(inlet);
    inlet.attach();
    inlet.pull();
    return channel;
  }

  private static Message write(int n) {
    return Message.write(Values.integer(n));
  }

  /** The service takes one message of {@code rest}; the channel hears of a window it had filled. */
  private void serviceTakes(Reader reader, ServerChannel channel) {
    int before = connection.resumes;
    reader.take();
    if (connection.resumes > before) {
      channel.windowOpened();
    }
  }

  @Test
  void clientMessagesWaitWhileTheWindowIsFullAndGoOnWhenTheServiceTakesSome() {
    ServerChannel channel = open(Graph.STREAMING, true, 8);
    Reader service = new Reader(channel.rest());
    assertEquals(Dispatch.OPEN, channel.dispatch());
    channel.deliver(write(1), false);
    channel.deliver(write(2), false);
    assertEquals(Dispatch.HELD, channel.dispatch());
    channel.deliver(write(3), false);
    assertEquals(1, connection.waiting);
    serviceTakes(service, channel);
    assertEquals(Dispatch.HELD, channel.dispatch(), "write 3 filled the window again");
    assertEquals(0, connection.waiting);
    serviceTakes(service, channel);
    assertEquals(Dispatch.OPEN, channel.dispatch());
    serviceTakes(service, channel);
    assertEquals(List.of(write(1), write(2), write(3)), service.taken);
    assertEquals(0, connection.saturated);
  }

  @Test
  void clientsLastMessageWaitsBehindAFullWindowThenCompletesRest() {
    ServerChannel channel = open(Graph.STREAMING, true, 8);
    Reader service = new Reader(channel.rest());
    channel.deliver(write(1), false);
    channel.deliver(write(2), false);
    channel.deliver(Message.close(), true);
    assertEquals(Dispatch.ENDING, channel.dispatch());
    serviceTakes(service, channel);
    assertEquals(Dispatch.CLOSED, channel.dispatch());
    serviceTakes(service, channel);
    serviceTakes(service, channel);
    assertEquals(List.of(write(1), write(2), Message.close()), service.taken);
    assertTrue(service.finished);
    assertNull(service.failure);
  }

  @Test
  void lastMessageIntoAWindowWithRoomCompletesRestAtOnce() {
    ServerChannel channel = open(Graph.STREAMING, true, 8);
    Reader service = new Reader(channel.rest());
    channel.deliver(Message.close(), true);
    assertEquals(Dispatch.CLOSED, channel.dispatch());
    service.take();
    assertEquals(List.of(Message.close()), service.taken);
    assertTrue(service.finished);
  }

  @Test
  void fullChannelBufferIsReportedOnceAndClearedWhenTheServiceStopsReading() {
    ServerChannel channel = open(Graph.STREAMING, true, 2);
    for (int n = 1; n <= 5; n++) {
      channel.deliver(write(n), false);
    }
    assertEquals(3, connection.waiting);
    assertEquals(1, connection.saturated);
    channel.restCancelled();
    assertEquals(Dispatch.CLOSED, channel.dispatch());
    assertEquals(0, connection.waiting);
    assertEquals(0, connection.saturated);
    assertEquals(1, connection.readResumptions);
    channel.deliver(write(6), false);
    assertEquals(0, connection.waiting, "a closed client side drops what comes");
  }

  @Test
  void serviceFailureFailsRestDropsWaitingMessagesAndIsAnsweredOnce() {
    ServerChannel channel = open(Graph.STREAMING, true, 8);
    Reader service = new Reader(channel.rest());
    channel.deliver(write(1), false);
    channel.deliver(write(2), false);
    channel.deliver(write(3), false);
    replies.fail(new CocaineException(ErrorCode.TRY_AGAIN, "busy"));
    assertEquals(Dispatch.CLOSED, channel.dispatch());
    assertEquals(0, connection.waiting);
    assertInstanceOf(CocaineException.class, service.failure);
    assertEquals(List.of(Message.error(ErrorCode.TRY_AGAIN, "busy").on(ID)), connection.sent);
    assertTrue(channel.repliesEnded());
    assertTrue(channel.upstreamClosed());
  }

  @Test
  void refusalOfAnOpenClientSideFailsRestAndIsTheLastWord() {
    ServerChannel channel = open(Graph.STREAMING, true, 8);
    Reader service = new Reader(channel.rest());
    channel.deliver(write(1), false);
    channel.refused(new ChannelTable.Reject(ID, ErrorCode.SLOT_NOT_FOUND, "not now"));
    assertEquals(Dispatch.CLOSED, channel.dispatch());
    assertEquals(ErrorCode.SLOT_NOT_FOUND, ((CocaineException) service.failure).code());
    assertEquals(List.of(Message.error(ErrorCode.SLOT_NOT_FOUND, "not now").on(ID)), connection.sent);
    assertTrue(channel.upstreamClosed(), "the service's upstream is cancelled");
    replies.offer(Message.write(Values.str("late")));
    assertEquals(1, connection.sent.size());
  }

  @Test
  void refusalAfterTheClientsLastMessageLetsThatMessageThrough() {
    ServerChannel channel = open(Graph.STREAMING, true, 8);
    Reader service = new Reader(channel.rest());
    channel.deliver(write(1), false);
    channel.deliver(write(2), false);
    channel.deliver(Message.close(), true);
    channel.refused(new ChannelTable.Reject(ID, ErrorCode.REVOKED_CHANNEL, "closed"));
    assertEquals(Dispatch.ENDING, channel.dispatch());
    assertEquals(List.of(Message.error(ErrorCode.REVOKED_CHANNEL, "closed").on(ID)), connection.sent);
    for (int i = 0; i < 3; i++) {
      serviceTakes(service, channel);
    }
    assertEquals(List.of(write(1), write(2), Message.close()), service.taken);
    assertTrue(service.finished);
    assertNull(service.failure);
  }

  @Test
  void replyOutsideTheUpstreamGraphIsDroppedAndTheTerminalOneEndsTheReplies() {
    ServerChannel channel = open(Graph.PRIMITIVE, false, 8);
    assertEquals(Dispatch.CLOSED, channel.dispatch());
    assertNull(channel.rest());
    replies.offer(Message.close());
    assertEquals(List.of(), connection.sent);
    replies.offer(Message.value(Values.str("ok")));
    assertEquals(List.of(Message.value(Values.str("ok")).on(ID)), connection.sent);
    assertTrue(channel.repliesEnded());
    assertTrue(channel.upstreamClosed());
    assertEquals(1, connection.forgetChecks);
  }

  @Test
  void nextReplyIsAskedForOnlyWhenTheLastWasWritten() {
    ServerChannel channel = open(Graph.STREAMING, true, 8);
    replies.offer(write(1));
    replies.offer(write(2));
    assertEquals(List.of(write(1).on(ID)), connection.sent);
    channel.written();
    assertEquals(List.of(write(1).on(ID), write(2).on(ID)), connection.sent);
  }

  @Test
  void errorWrittenAtOnceDoesNotLetAWaitingReplyFollowIt() {
    ServerChannel channel = open(Graph.STREAMING, true, 8);
    replies.offer(write(1));
    replies.offer(write(2));
    connection.writesAtOnce = true;
    channel.refused(new ChannelTable.Reject(ID, ErrorCode.SLOT_NOT_FOUND, "not now"));
    assertEquals(List.of(write(1).on(ID), Message.error(ErrorCode.SLOT_NOT_FOUND, "not now").on(ID)),
        connection.sent);
  }

  @Test
  void serviceClosingWithoutAReplyIsAnsweredWithAnError() {
    ServerChannel channel = open(Graph.PRIMITIVE, false, 8);
    replies.complete();
    assertEquals(1, connection.sent.size());
    assertEquals(Message.error(ErrorCode.CLOSED_UPSTREAM, "service closed the channel without a reply").on(ID),
        connection.sent.get(0));
    assertTrue(channel.repliesEnded());
  }

  @Test
  void disconnectFailsAnOpenClientSideAndCancelsTheUpstream() {
    ServerChannel channel = open(Graph.STREAMING, true, 8);
    Reader service = new Reader(channel.rest());
    channel.disconnected(new CocaineException(ErrorCode.NOT_CONNECTED, "gone"));
    assertEquals(Dispatch.CLOSED, channel.dispatch());
    assertEquals(ErrorCode.NOT_CONNECTED, ((CocaineException) service.failure).code());
    assertTrue(channel.upstreamClosed());
    assertFalse(service.finished);
    assertEquals(List.of(), connection.sent);
  }
}
