package cocaine.proxy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class DeadlinesTest {
  static final ActorTestKit kit = ActorTestKit.create();

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void aSweepRunsWhatIsDueOnceAndLeavesTheRest() {
    Deadlines deadlines = new Deadlines();
    List<String> fired = new ArrayList<>();
    deadlines.add(100, () -> fired.add("a"));
    deadlines.add(200, () -> fired.add("b"));
    deadlines.add(300, () -> fired.add("c")).cancel();
    deadlines.sweep(99);
    assertEquals(List.of(), fired);
    deadlines.sweep(150);
    deadlines.sweep(160);
    assertEquals(List.of("a"), fired);
    deadlines.sweep(1_000);
    assertEquals(List.of("a", "b"), fired, "a cancelled deadline never fires");
    assertEquals(0, deadlines.size());
  }

  @Test
  void deadlinesFireOnTheirOwnAndAFailingActionStopsNoOther() throws InterruptedException {
    try (Deadlines deadlines = new Deadlines(kit.system().scheduler(), kit.system().executionContext())) {
      CountDownLatch fired = new CountDownLatch(2);
      long start = System.nanoTime();
      deadlines.add(start + TimeUnit.MILLISECONDS.toNanos(50), () -> {
        throw new IllegalStateException("an action that fails");
      });
      deadlines.add(start + TimeUnit.MILLISECONDS.toNanos(100), fired::countDown);
      deadlines.add(start + TimeUnit.MILLISECONDS.toNanos(300), fired::countDown);
      assertTrue(fired.await(5, TimeUnit.SECONDS), "a deadline that passed never fired");
      assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(300), "not before its time");
      assertEquals(0, deadlines.size());
    }
  }

  @Test
  void manyCancelledDeadlinesLeaveNothingBehind() {
    try (Deadlines deadlines = new Deadlines(kit.system().scheduler(), kit.system().executionContext())) {
      AtomicInteger fired = new AtomicInteger();
      long far = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      for (int i = 0; i < 10_000; i++) {
        deadlines.add(far, fired::incrementAndGet).cancel();
      }
      assertEquals(0, deadlines.size(), "a cancelled deadline is gone at once, not at its time");
      deadlines.add(System.nanoTime(), fired::incrementAndGet);
      await().atMost(Duration.ofSeconds(5)).until(() -> fired.get() == 1);
    }
  }
}
