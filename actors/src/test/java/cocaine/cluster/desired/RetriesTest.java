package cocaine.cluster.desired;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RetriesTest {
  private static final long S = 1_000_000_000L;
  private static final CocaineException TIMEOUT = new CocaineException(ErrorCode.TIMEOUT, "slow pull");
  private static final CocaineException NOT_HEALTHY = new CocaineException(ErrorCode.NOT_HEALTHY, "gate failed");
  private static final CocaineException BUSY = new CocaineException(ErrorCode.TRY_AGAIN, "storage busy");

  @Test
  void aFailedHealthGateIsNeverTriedAgain() {
    assertEquals(Optional.empty(), new Retries().refused("echo", NOT_HEALTHY, 0));
  }

  @Test
  void timeoutsAreTriedAgainWithADoublingBackOffUpToABound() {
    Retries r = new Retries();
    long now = 0;
    Duration expected = Duration.ofSeconds(1);
    for (int i = 0; i < Retries.TIMEOUT_TRIES; i++) {
      Optional<Duration> after = r.refused("echo", TIMEOUT, now);
      assertEquals(Optional.of(expected), after, "try " + i);
      now += after.get().toNanos();
      expected = expected.multipliedBy(2);
    }
    assertEquals(Optional.empty(), r.refused("echo", TIMEOUT, now), "given up after " + Retries.TIMEOUT_TRIES);
    assertTrue(r.refused("echo", TIMEOUT, now + S).isPresent(), "a later decision starts counting again");
  }

  @Test
  void aSuccessOrAnotherRefusalResetsTheTimeoutCount() {
    Retries r = new Retries();
    for (int i = 0; i < Retries.TIMEOUT_TRIES; i++) {
      r.refused("echo", TIMEOUT, i * S);
    }
    assertTrue(r.refused("echo", BUSY, 40 * S).isPresent());
    assertTrue(r.refused("echo", TIMEOUT, 41 * S).isPresent(), "the busy storage broke the run of timeouts");
    r.succeeded("echo");
    for (int i = 0; i < Retries.TIMEOUT_TRIES; i++) {
      assertTrue(r.refused("echo", TIMEOUT, (50 + i) * S).isPresent());
    }
  }
}
