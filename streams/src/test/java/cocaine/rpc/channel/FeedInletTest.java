package cocaine.rpc.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.Done;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.junit.jupiter.api.Test;
import scala.concurrent.Future;

/**
 * How a {@link Handoff.Feed} signals the stage that reads it through a {@link FeedInlet}: once per
 * batch of events, with no event lost between a drain and the next signal. The owning stage's
 * callback is held here, so the test decides when the stage runs.
 */
class FeedInletTest {
  /** The owning stage's callback: records each signal, runs it when the test says. */
  private static final class Owner implements AsyncCallback<Object> {
    final List<Object> signals = new ArrayList<>();

    @Override
    public void invoke(Object signal) {
      signals.add(signal);
    }

    @Override
    public Future<Done> invokeWithFeedback(Object signal) {
      throw new UnsupportedOperationException();
    }

    /** The stage's turn: runs the signals given so far. */
    void run() {
      List<Object> now = new ArrayList<>(signals);
      signals.clear();
      now.forEach(FeedInlet::dispatch);
    }
  }

  /** Takes every element as it comes (pulls again after each) and records the end. */
  private static final class Reader extends AbstractInHandler {
    final FeedInlet<String> inlet;
    final List<String> taken = new ArrayList<>();
    int finished;

    Reader(Handoff.Feed<String> feed, Owner owner) {
      inlet = new FeedInlet<>(feed, owner);
      inlet.setHandler(this);
      inlet.attach();
      inlet.pull();
    }

    @Override
    public void onPush() {
      taken.add(inlet.grab());
      inlet.pull();
    }

    @Override
    public void onUpstreamFinish() {
      finished++;
    }

    @Override
    public void onUpstreamFailure(Throwable ex) {
      throw new AssertionError("unexpected failure", ex);
    }
  }

  private final Owner owner = new Owner();
  private final Handoff.Feed<String> feed = new Handoff.Feed<>(8, () -> {}, cause -> {});

  @Test
  void eventsGivenBeforeTheStageRunsCostItOneSignal() {
    Reader reader = new Reader(feed, owner);
    feed.offer("head");
    feed.offer("body");
    feed.offer("close");
    feed.complete();

    assertEquals(1, owner.signals.size(), "one signal for the batch");
    assertEquals(List.of(), reader.taken, "nothing before the stage runs");
    owner.run();
    assertEquals(List.of("head", "body", "close"), reader.taken);
    assertEquals(1, reader.finished);
  }

  @Test
  void anEventAfterADrainSignalsAgain() {
    Reader reader = new Reader(feed, owner);
    feed.offer("one");
    owner.run();
    assertEquals(List.of("one"), reader.taken);

    feed.offer("two");
    assertEquals(1, owner.signals.size(), "the drain made the next event signal");
    owner.run();
    feed.offer("three");
    feed.complete();
    owner.run();
    assertEquals(List.of("one", "two", "three"), reader.taken);
    assertEquals(1, reader.finished);
  }

  @Test
  void eventsGivenBeforeTheStageStartedComeFirstAndInOrder() {
    feed.offer("early");
    Reader reader = new Reader(feed, owner);
    assertEquals(List.of("early"), reader.taken, "taken at attach, with no signal");
    assertTrue(owner.signals.isEmpty());
    feed.offer("late");
    owner.run();
    assertEquals(List.of("early", "late"), reader.taken);
  }

  @Test
  void afterTheConsumerStoppedEventsAreDroppedAndNotSignalled() {
    Reader reader = new Reader(feed, owner);
    reader.inlet.cancel();
    feed.offer("ignored");
    feed.complete();
    assertTrue(owner.signals.isEmpty());
    assertEquals(List.of(), reader.taken);
    assertEquals(0, reader.finished);
  }
}
