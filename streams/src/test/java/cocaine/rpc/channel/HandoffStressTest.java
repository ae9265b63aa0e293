package cocaine.rpc.channel;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.rpc.service.TestSystem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.Done;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Handoff} and the {@link FeedInlet} inside it across threads: producers on threads of their
 * own offer numbered messages to feeds read by Pekko streams, round after round, with random
 * windows, random ends (complete, fail, the consumer cancelling, a completion racing a cancel) and
 * random pauses on either side. Every message must arrive once and in order, the producer must
 * never have more than its window handed over and not taken, each end must be heard once, and no
 * side may wait for the other forever.
 */
@Timeout(60)
class HandoffStressTest {
  private static final int PRODUCERS = 4;
  private static final int MESSAGES = 200_000;
  private static final int[] WINDOWS = {1, 2, 3, 4, 8, 16};
  /** The longest one side waits for the other; beyond it they are deadlocked. */
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final int REPORTED = 20;

  private final Queue<String> violations = new ConcurrentLinkedQueue<>();
  private final AtomicInteger violationCount = new AtomicInteger();
  /** Set when one side gave up waiting for the other: no new rounds start, so the test fails soon. */
  private volatile boolean stuck;

  private enum End { COMPLETE, FAIL, CANCEL, COMPLETE_RACING_CANCEL }

  @Test
  void feedsAcrossThreadsLoseNothingKeepOrderStayInTheirWindowAndEndOnce() throws Exception {
    long seed = System.nanoTime();
    ExecutorService threads = Executors.newFixedThreadPool(PRODUCERS);
    List<Round> rounds = new ArrayList<>();
    try {
      List<Future<List<Round>>> producers = new ArrayList<>();
      for (int p = 0; p < PRODUCERS; p++) {
        Random random = new Random(seed + p);
        int producer = p;
        producers.add(threads.submit(() -> produceRounds(producer, random, MESSAGES / PRODUCERS)));
      }
      for (Future<List<Round>> p : producers) {
        rounds.addAll(p.get(45, TimeUnit.SECONDS));
      }
    } finally {
      threads.shutdownNow();
    }
    long deadline = System.nanoTime() + WAIT.toNanos();
    for (Round r : rounds) {
      r.awaitEnd(deadline);
    }
    assertEquals(0, violationCount.get(), "seed " + seed + " (the rounds' parameters), " + rounds.size()
        + " rounds; the first violations:\n" + String.join("\n", violations));
    // only once every round has ended, so that an end heard twice, late, is counted too
    for (Round r : rounds) {
      r.verify();
    }
  }

  private List<Round> produceRounds(int producer, Random random, long messages) throws InterruptedException {
    List<Round> rounds = new ArrayList<>();
    long offered = 0;
    while (offered < messages && !stuck) {
      Round round = new Round(producer, rounds.size(), random);
      round.produce(random);
      rounds.add(round);
      offered += round.started.get();
    }
    return rounds;
  }

  /** One feed and the stream that reads it: the producer runs on the calling thread, the consumer in Pekko. */
  private final class Round {
    final int producer;
    final int id;
    final int window;
    final End end;
    /** Messages offered before completing or failing; for a cancel, messages the consumer takes first. */
    final int messages;
    /** Messages offered before the stream is materialized: they wait in the feed. */
    final int materializeAt;
    final RuntimeException failure;
    final Handoff.Feed<Long> feed;

    /** Offers begun, counted before each offer: the producer's side of the window. */
    final AtomicLong started = new AtomicLong();
    final AtomicInteger stalls = new AtomicInteger();
    final AtomicInteger resumes = new AtomicInteger();
    final AtomicInteger cancels = new AtomicInteger();
    final AtomicInteger stops = new AtomicInteger();
    final Semaphore wake = new Semaphore(0);
    volatile boolean stalled;
    volatile boolean producerDone;
    volatile boolean cancelled;

    /** Messages the consumer has passed on (written on the stream's thread only). */
    volatile long received;
    /** Set while the consumer takes nothing until the producer stalls or ends. */
    volatile CountDownLatch frozen;

    CompletionStage<Done> stream;
    Throwable outcome;

    Round(int producer, int id, Random random) {
      this.producer = producer;
      this.id = id;
      this.window = WINDOWS[random.nextInt(WINDOWS.length)];
      this.end = End.values()[random.nextInt(End.values().length)];
      this.messages = random.nextInt(4) == 0 ? random.nextInt(2 * window + 1) : random.nextInt(500);
      this.materializeAt = random.nextBoolean() ? 0 : random.nextInt(window + 1);
      this.failure = end == End.FAIL ? new IllegalStateException("round " + producer + "/" + id + " failed") : null;
      this.feed = new Handoff.Feed<>(window, this::resumed, cause -> {
        cancels.incrementAndGet();
        cancelled = true;
        wake.release();
      }, stops::incrementAndGet);
    }

    void produce(Random random) throws InterruptedException {
      long limit = end == End.CANCEL ? Long.MAX_VALUE : messages;
      for (long i = 0; i < limit && !cancelled; i++) {
        if (i == materializeAt && stream == null) {
          materialize();
        }
        if (random.nextInt(64) == 0) {
          Thread.yield(); // lets the consumer run ahead now and then
        }
        started.incrementAndGet();
        if (!feed.offer(i)) {
          stalls.incrementAndGet();
          if (i + 1 == limit) {
            break; // completing or failing needs no room
          }
          if (stream == null) {
            materialize(); // else nobody would ever take one
          }
          stalled = true;
          thaw();
          if (!wake.tryAcquire(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            deadlock("the producer stopped at a full window after " + started.get() + " and was not resumed within "
                + WAIT);
            break;
          }
          stalled = false;
        }
      }
      switch (end) {
        case COMPLETE, COMPLETE_RACING_CANCEL -> feed.complete();
        case FAIL -> feed.fail(failure);
        case CANCEL -> { } // the consumer ends it
      }
      if (stream == null) {
        materialize();
      }
      producerDone = true;
      thaw();
    }

    private void thaw() {
      CountDownLatch latch = frozen;
      if (latch != null) {
        latch.countDown();
      }
    }

    private void materialize() {
      Source<Long, ?> source = Source.fromGraph(new Handoff<>(feed)).map(this::consume);
      if (end == End.CANCEL || end == End.COMPLETE_RACING_CANCEL) {
        source = source.take(messages);
      }
      stream = source.runWith(Sink.ignore(), TestSystem.get());
    }

    /**
     * On the stream's thread. Handoff takes a message only when pulled, and map pulls only once it has
     * passed the previous one on: while map has message n, exactly n + 1 messages are taken.
     */
    private Long consume(Long message) throws InterruptedException {
      long taken = received + 1;
      if (message != taken - 1) {
        violation("message " + message + " arrived as number " + (taken - 1));
      }
      received = taken;
      checkWindow(taken);
      ThreadLocalRandom random = ThreadLocalRandom.current();
      if (random.nextInt(4 * window) == 0) {
        freeze(taken);
      } else if (random.nextInt(64) == 0) {
        Thread.yield();
      }
      return message;
    }

    /** Takes nothing until the producer has filled the window (or ended), then checks it did not overfill it. */
    private void freeze(long taken) throws InterruptedException {
      CountDownLatch latch = new CountDownLatch(1);
      frozen = latch;
      if (!stalled && !producerDone && !latch.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        deadlock("the producer neither stopped at a full window nor ended within " + WAIT + " while nothing was taken");
      }
      frozen = null;
      checkWindow(taken);
    }

    private void checkWindow(long taken) {
      long outstanding = started.get() - taken;
      if (outstanding > window) {
        violation(outstanding + " messages outstanding after " + taken + " taken");
      }
    }

    /** The feed's resume, called as the consumer takes message number {@code received}, before map has it. */
    private void resumed() {
      resumes.incrementAndGet();
      long outstanding = started.get() - (received + 1);
      if (outstanding >= window) {
        violation("resumed with " + outstanding + " messages outstanding, a full window");
      }
      wake.release();
    }

    /** Waits until {@code deadline} at most (and a moment beyond, should it have passed). */
    void awaitEnd(long deadline) throws InterruptedException {
      Duration left = Duration.ofNanos(Math.max(deadline - System.nanoTime(), 0)).plusMillis(100);
      try {
        stream.toCompletableFuture().get(left.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        outcome = e.getCause();
      } catch (TimeoutException e) {
        deadlock("the stream did not end within " + WAIT + " of the producers' end, after " + received + " messages");
        return;
      }
      // a cancel reaches the handoff after take has completed the stream
      await(toString()).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5)).atMost(left)
          .until(() -> stops.get() > 0 && (end != End.CANCEL || cancels.get() > 0));
    }

    void verify() {
      assertEquals(1, stops.get(), this + ": the consumer's stop heard once");
      switch (end) {
        case COMPLETE -> {
          assertNull(outcome, this + ": completed");
          assertEquals(messages, received, this + ": every message arrived");
          assertEquals(0, cancels.get(), this + ": no cancel");
          assertEquals(stalls.get(), resumes.get(), this + ": one resume per stall");
        }
        case FAIL -> {
          assertSame(failure, outcome, this + ": failed with the producer's cause");
          assertTrue(received <= messages, this + ": " + received + " received");
          assertEquals(0, cancels.get(), this + ": no cancel");
          assertTrue(resumes.get() <= stalls.get(), this + ": " + resumes + " resumes for " + stalls + " stalls");
        }
        case CANCEL -> {
          assertNull(outcome, this + ": ended by take");
          assertEquals(messages, received, this + ": the messages before the cancel arrived");
          assertEquals(1, cancels.get(), this + ": the cancel heard once");
          assertTrue(resumes.get() <= stalls.get(), this + ": " + resumes + " resumes for " + stalls + " stalls");
        }
        case COMPLETE_RACING_CANCEL -> {
          assertNull(outcome, this + ": completed");
          assertEquals(messages, received, this + ": every message arrived");
          assertTrue(cancels.get() <= 1, this + ": " + cancels + " cancels");
          assertTrue(resumes.get() <= stalls.get(), this + ": " + resumes + " resumes for " + stalls + " stalls");
        }
      }
    }

    private void deadlock(String what) {
      stuck = true;
      violation(what);
    }

    private void violation(String what) {
      if (violationCount.incrementAndGet() <= REPORTED) {
        violations.add(this + ": " + what);
      }
    }

    @Override
    public String toString() {
      return "round " + producer + "/" + id + " (window " + window + ", " + end + " at "
          + messages + ", materialized at " + materializeAt + ")";
    }
  }
}
