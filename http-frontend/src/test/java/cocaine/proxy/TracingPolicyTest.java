package cocaine.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class TracingPolicyTest {
  @Test
  void withoutTheHeaderOrWithAutoTheAppsShareDecides() {
    assertEquals(0.05, TracingPolicy.chance(Optional.empty(), 0.05));
    assertEquals(0.05, TracingPolicy.chance(Optional.of("Auto"), 0.05));
    assertTrue(TracingPolicy.sampled(Optional.empty(), 0.05, 0.04));
    assertFalse(TracingPolicy.sampled(Optional.empty(), 0.05, 0.05));
    assertFalse(TracingPolicy.sampled(Optional.of("Auto"), 0, 0));
  }

  @Test
  void aChanceFromZeroToOneIsThisRequestsOwn() {
    assertTrue(TracingPolicy.sampled(Optional.of("1"), 0, 0.999));
    assertFalse(TracingPolicy.sampled(Optional.of("0"), 1, 0));
    assertEquals(0.25, TracingPolicy.chance(Optional.of(" 0.25 "), 0.9));
  }

  @Test
  void anUnreadableOrOutOfRangeValueCountsAsAuto() {
    assertEquals(0.1, TracingPolicy.chance(Optional.of("always"), 0.1));
    assertEquals(0.1, TracingPolicy.chance(Optional.of("1.5"), 0.1));
    assertEquals(0.1, TracingPolicy.chance(Optional.of("-0.1"), 0.1));
    assertEquals(0.1, TracingPolicy.chance(Optional.of("NaN"), 0.1));
  }
}
