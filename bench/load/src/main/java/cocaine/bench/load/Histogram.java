package cocaine.bench.load;

/**
 * Latencies of one thread in fixed memory: 1 us buckets up to 64 ms, 1 ms buckets up to 60 s,
 * one overflow bucket. Percentiles are exact to the bucket width.
 */
final class Histogram {
  private static final int FINE = 65_536; // us
  private static final int COARSE = 60_000; // ms
  private final int[] fine = new int[FINE];
  private final int[] coarse = new int[COARSE];
  private long overflow;
  private long count;
  private long maxNanos;

  void record(long nanos) {
    long us = nanos / 1000;
    if (us < FINE) {
      fine[(int) us]++;
    } else if (us / 1000 < COARSE) {
      coarse[(int) (us / 1000)]++;
    } else {
      overflow++;
    }
    count++;
    maxNanos = Math.max(maxNanos, nanos);
  }

  void add(Histogram other) {
    for (int i = 0; i < FINE; i++) {
      fine[i] += other.fine[i];
    }
    for (int i = 0; i < COARSE; i++) {
      coarse[i] += other.coarse[i];
    }
    overflow += other.overflow;
    count += other.count;
    maxNanos = Math.max(maxNanos, other.maxNanos);
  }

  long count() {
    return count;
  }

  /** The q-quantile (0..1) in microseconds (upper edge of its bucket); -1 with no samples. */
  double quantileMicros(double q) {
    if (count == 0) {
      return -1;
    }
    long rank = (long) Math.ceil(q * count);
    long seen = 0;
    for (int i = 0; i < FINE; i++) {
      seen += fine[i];
      if (seen >= rank) {
        return i + 1;
      }
    }
    for (int i = 0; i < COARSE; i++) {
      seen += coarse[i];
      if (seen >= rank) {
        return (i + 1) * 1000.0;
      }
    }
    return maxNanos / 1000.0;
  }

  double maxMicros() {
    return maxNanos / 1000.0;
  }
}
