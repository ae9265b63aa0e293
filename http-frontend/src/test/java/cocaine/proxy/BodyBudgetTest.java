package cocaine.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BodyBudgetTest {
  @Test
  void bigBodiesFillTheBudgetAndNoMore() {
    BodyBudget b = new BodyBudget(64 << 20);
    assertTrue(b.tryTake(40 << 20));
    assertFalse(b.tryTake(40 << 20), "40 + 40 MiB is over 64 MiB");
    assertEquals(1, b.refused(), "the refusal is counted");
    assertTrue(b.tryTake(24 << 20));
    assertEquals(64 << 20, b.held());
    b.give(40 << 20);
    assertTrue(b.tryTake(40 << 20), "what was given back can be taken again");
  }

  @Test
  void smallBodiesStillPassWhenBigOnesFilledTheBudget() {
    BodyBudget b = new BodyBudget(64 << 20);
    assertTrue(b.tryTake(64 << 20));
    for (int i = 0; i < 100; i++) {
      assertTrue(b.tryTake(1024), "small request " + i);
    }
    assertFalse(b.tryTake(2 << 20), "a 2 MiB body is not small for a 64 MiB budget");
  }

  @Test
  void bigBodiesAreNotRefusedForTheSmallOnesInFlight() {
    BodyBudget b = new BodyBudget(64 << 20);
    assertTrue(b.tryTake(7));
    assertTrue(b.tryTake(64 << 20), "a body of the whole budget passes beside a small one");
    b.give(64 << 20);
    b.give(7);
    assertEquals(0, b.held());
  }

  @Test
  void theReserveIsBoundedToo() {
    BodyBudget b = new BodyBudget(64 << 20);
    assertTrue(b.tryTake(64 << 20));
    int admitted = 0;
    while (b.tryTake(1 << 20) && admitted < 1000) {
      admitted++;
    }
    assertEquals(8, admitted, "an eighth of 64 MiB in 1 MiB bodies");
  }
}
