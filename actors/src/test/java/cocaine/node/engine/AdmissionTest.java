package cocaine.node.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import org.junit.jupiter.api.Test;

class AdmissionTest {
  @Test
  void withAQueueLimitTheQueueTakesEventsUpToIt() {
    Admission limited = new Admission(2, 1, 1);
    assertTrue(limited.admits(0, 100));
    assertTrue(limited.admits(1, 100));
    assertFalse(limited.admits(2, 0));
  }

  @Test
  void withoutAQueueLimitTheQueueMayOnlyHoldWhatTheFreeCapacityWillTake() {
    Admission byCapacity = new Admission(0, 2, 3); // six channels in all
    assertTrue(byCapacity.admits(0, 5));
    assertFalse(byCapacity.admits(1, 5), "one free channel, one event already waits for it");
    assertTrue(byCapacity.admits(3, 2));
    assertFalse(byCapacity.admits(0, 6));
  }

  @Test
  void aRefusalNamesTheAppTheQueueAndItsLimit() {
    CocaineException e = new Admission(10, 1, 1).refusal("echo", 10);
    assertEquals(ErrorCode.QUEUE_IS_FULL, e.code());
    assertEquals("app 'echo': queue is full (10 of queue-limit 10)", e.getMessage());
  }

  @Test
  void impossibleLimitsAreRefusedWithTheirValues() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Admission(0, 0, 1));
    assertEquals("queueLimit: 0, poolLimit: 0, concurrency: 1 (expected: queueLimit >= 0, the others >= 1)",
        e.getMessage());
  }
}
