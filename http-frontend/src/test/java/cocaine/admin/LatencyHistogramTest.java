package cocaine.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LatencyHistogramTest {
  @Test
  void percentilesAreWithinAnEighthOfTheTrueValueAndADrainEmptiesIt() {
    LatencyHistogram h = new LatencyHistogram();
    for (int i = 1; i <= 1000; i++) {
      h.record(i * 1000L); // 1 ms .. 1 s, evenly
    }
    LatencyHistogram.Percentiles p = h.drain();
    assertTrue(p.p50() >= 500_000 && p.p50() <= 500_000 * 9 / 8, "p50 " + p.p50());
    assertTrue(p.p99() >= 990_000 && p.p99() <= 990_000 * 9 / 8, "p99 " + p.p99());
    assertEquals(LatencyHistogram.Percentiles.NONE, h.drain(), "drained: nothing in the next interval");
  }

  @Test
  void everyValueFallsInABucketWhoseUpperBoundHoldsIt() {
    for (long v : new long[] {0, 1, 7, 8, 9, 15, 16, 17, 1000, 123_456_789L, 1L << 39}) {
      int b = LatencyHistogram.bucket(v);
      assertTrue(LatencyHistogram.upperBound(b) >= v, v + " in bucket " + b);
      assertTrue(b == 0 || LatencyHistogram.upperBound(b - 1) < v, v + " not in the bucket before " + b);
    }
    assertTrue(LatencyHistogram.bucket(Long.MAX_VALUE) >= LatencyHistogram.bucket(1L << 39), "huge values do not overflow");
  }

  @Test
  void aSlowTailShowsInP99NotInP50() {
    LatencyHistogram h = new LatencyHistogram();
    for (int i = 0; i < 98; i++) {
      h.record(2_000);
    }
    h.record(900_000);
    h.record(900_000);
    LatencyHistogram.Percentiles p = h.drain();
    assertTrue(p.p50() < 2_300, "p50 " + p.p50());
    assertTrue(p.p99() >= 900_000, "p99 " + p.p99());
  }
}
