package cocaine.node.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
  static final long S = 1_000_000_000L;

  @Test
  void noCrashNoWait() {
    assertEquals(Duration.ZERO, Backoff.NONE.delayAt(123));
  }

  @Test
  void firstCrashWaitsOneSecondAndCrashesInARowDoubleItUpTo32() {
    Backoff b = Backoff.NONE.crashed(100 * S);
    assertEquals(Duration.ofSeconds(1), b.delayAt(100 * S));
    assertEquals(Duration.ofMillis(500), b.delayAt(100 * S + S / 2));
    assertEquals(Duration.ZERO, b.delayAt(102 * S));
    long t = 100 * S;
    for (int i = 0; i < 10; i++) {
      t += S;
      b = b.crashed(t);
    }
    assertEquals(Duration.ofSeconds(32), b.delay());
  }

  @Test
  void aCrashLongAfterTheLastStartsOverAtOneSecond() {
    Backoff b = Backoff.NONE.crashed(0).crashed(S).crashed(2 * S);
    assertEquals(Duration.ofSeconds(4), b.delay());
    assertEquals(Duration.ofSeconds(1), b.crashed(2 * S + 60 * S).delay());
  }
}
