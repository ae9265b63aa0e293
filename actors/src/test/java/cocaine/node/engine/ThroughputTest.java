package cocaine.node.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ThroughputTest {
  static final long SECOND = 1_000_000_000L;

  @Test
  void aSteadyRateIsWhatTheAveragesShowAfterTheirFirstTick() {
    Throughput t = new Throughput(0);
    for (int i = 0; i < 50; i++) {
      t.mark(i * SECOND / 10); // 10 per second for 5 s
    }
    Map<String, Object> info = t.info(5 * SECOND);
    assertEquals(List.of(10.0, 10.0, 10.0), info.get("rate"));
    assertEquals(10.0, (double) info.get("rate_mean"), 0.001);
  }

  @Test
  void theOneMinuteAverageFallsFasterThanTheFifteenMinuteOneWhenRequestsStop() {
    Throughput t = new Throughput(0);
    for (int i = 0; i < 50; i++) {
      t.mark(i * SECOND / 10);
    }
    @SuppressWarnings("unchecked")
    List<Double> later = (List<Double>) t.info(125 * SECOND).get("rate");
    assertTrue(later.get(0) < later.get(1) && later.get(1) < later.get(2) && later.get(2) < 10.0, later.toString());
    assertTrue(later.get(0) > 0, later.toString());
  }

  @Test
  void timingsArePercentilesInMillisecondsAndTheReversedArePercentsWithin() {
    Throughput t = new Throughput(0);
    for (int ms = 1; ms <= 100; ms++) {
      t.took(ms * 1_000_000L);
    }
    Map<?, ?> timings = (Map<?, ?>) t.info(SECOND).get("timings");
    assertEquals(50.0, timings.get("50.00%"));
    assertEquals(99.0, timings.get("99.00%"));
    assertEquals(100.0, timings.get("99.95%"));
    Map<?, ?> reversed = (Map<?, ?>) t.info(SECOND).get("timings_reversed");
    assertEquals(10.0, reversed.get("10ms"));
    assertEquals(100.0, reversed.get("100ms"));
    assertEquals(1.0, reversed.get("1ms"));
  }

  @Test
  void onlyTheLastSamplesCount() {
    Throughput t = new Throughput(0);
    for (int i = 0; i < Throughput.SAMPLES; i++) {
      t.took(1000 * 1_000_000L);
    }
    for (int i = 0; i < Throughput.SAMPLES; i++) {
      t.took(1_000_000L);
    }
    assertEquals(1.0, ((Map<?, ?>) t.info(SECOND).get("timings")).get("99.95%"));
  }
}
