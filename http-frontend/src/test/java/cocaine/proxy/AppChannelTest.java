package cocaine.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The decision an {@link AppChannel} makes when its first reply is in, with the dispatcher's turns
 * run by the test: a whole answer becomes one (strict), a longer one is read on with credit.
 */
class AppChannelTest {
  /** The dispatcher, turn by turn. */
  final ArrayDeque<Runnable> turns = new ArrayDeque<>();
  final List<Message> sent = new ArrayList<>();
  final AtomicInteger credit = new AtomicInteger();
  final AtomicInteger closed = new AtomicInteger();
  final AtomicInteger ended = new AtomicInteger();
  final AppChannel channel = new AppChannel(turns::add, ended::incrementAndGet, new AppChannel.Wire() {
    @Override
    public void send(Message message) {
      sent.add(message);
    }

    @Override
    public void credit() {
      credit.incrementAndGet();
    }

    @Override
    public void close() {
      closed.incrementAndGet();
    }
  });

  static Message chunk(String text) {
    return Message.write(Values.bytes(text.getBytes()));
  }

  void runTurns() {
    for (Runnable r = turns.poll(); r != null; r = turns.poll()) {
      r.run();
    }
  }

  @Test
  void aWholeAnswerRoutedWithItsHeadIsTakenWhole() {
    channel.reply(chunk("head"));
    channel.reply(chunk("body"));
    channel.reply(Message.close());
    channel.end(null);
    runTurns();
    CompletableFuture<AppChannel.First> first = channel.first().toCompletableFuture();
    assertTrue(first.isDone());
    assertTrue(AppChannel.whole(first.join()));
    assertEquals(3, first.join().messages().size());
    assertEquals(0, credit.get(), "an ended channel needs no credit");
  }

  @Test
  void anAnswerThatEndsBeforeTheDispatchersLookIsTakenWholeAtItsEnd() {
    channel.reply(chunk("head"));
    channel.reply(chunk("body"));
    channel.reply(Message.close());
    channel.end(null);
    CompletableFuture<AppChannel.First> first = channel.first().toCompletableFuture();
    assertTrue(first.isDone(), "no dispatcher turn needed");
    assertTrue(AppChannel.whole(first.join()));
    assertEquals(3, first.join().messages().size());
    runTurns(); // the look scheduled by the first reply finds it decided
    assertEquals(0, credit.get(), "an ended channel needs no credit");
    assertNull(channel.take(), "the replies went with the decision, none is taken twice");
  }

  @Test
  void anAnswerThatIsNotInAfterTwoTurnsIsReadOnWithCredit() {
    channel.reply(chunk("head"));
    turns.poll().run(); // the first look: not ended, one more turn
    assertFalse(channel.first().toCompletableFuture().isDone());
    channel.reply(chunk("part 1"));
    runTurns();
    AppChannel.First first = channel.first().toCompletableFuture().join();
    assertFalse(AppChannel.whole(first));
    assertEquals(2, first.messages().size());
    assertEquals(2, credit.get(), "what was taken for the decision is credited back");
    channel.reply(chunk("part 2"));
    assertEquals("part 2", new String(Values.asBytes(channel.take().args().get(0))));
    assertEquals(3, credit.get());
    assertNull(channel.take());
    assertFalse(channel.drained());
    channel.reply(Message.close());
    channel.end(null);
    assertSame(Message.close().type(), channel.take().type());
    assertTrue(channel.drained());
  }

  @Test
  void aChannelLostBeforeAnyReplyFailsAtOnce() {
    CocaineException lost = new CocaineException(ErrorCode.NOT_CONNECTED, "disconnected from there");
    channel.end(lost);
    AppChannel.First first = channel.first().toCompletableFuture().join();
    assertTrue(first.messages().isEmpty());
    assertSame(lost, first.failure());
  }

  @Test
  void theRequestSideEndsOnceAndTheEndActionRunsOnce() {
    channel.finish(Message.close());
    channel.finish(Message.error(ErrorCode.TIMEOUT, "late"));
    channel.done();
    channel.done();
    assertEquals(1, sent.size(), "close or error, never both");
    assertEquals(1, closed.get());
    assertEquals(1, ended.get());
  }

  @Test
  void noReplyByTheDeadlineCutsTheChannelWithTheTimeoutsMessage() {
    Deadlines deadlines = new Deadlines();
    Message cut = Message.error(ErrorCode.TIMEOUT, "no reply within 30 s");
    channel.expireAt(deadlines, 1_000, () -> cut);
    deadlines.sweep(999);
    assertFalse(channel.first().toCompletableFuture().isDone(), "not before its deadline");
    deadlines.sweep(1_000);
    CompletionException e = assertThrows(CompletionException.class, () -> channel.first().toCompletableFuture().join());
    assertTrue(e.getCause() instanceof TimeoutException, e.toString());
    assertEquals(List.of(cut), sent, "the app is told");
    assertEquals(1, closed.get());
    assertEquals(1, ended.get());
    assertEquals(0, deadlines.size());
  }

  @Test
  void aReplyBeforeTheDeadlineLeavesNothingInTheTable() {
    Deadlines deadlines = new Deadlines();
    channel.expireAt(deadlines, 1_000, () -> Message.error(ErrorCode.TIMEOUT, "late"));
    assertEquals(1, deadlines.size());
    channel.reply(chunk("head"));
    channel.end(null);
    assertEquals(0, deadlines.size(), "taken out when the answer is decided");
    deadlines.sweep(2_000);
    assertTrue(sent.isEmpty());
    assertFalse(channel.first().toCompletableFuture().isCompletedExceptionally());
  }
}
