package cocaine.admin;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Latencies of one app during one sample interval, for the dashboard's p50 and p99: counts in
 * log-scale buckets (eight per power of two, so a percentile is off by at most 1/8 of its value),
 * written lock-free by the request path and emptied by the sampler. Fixed size whatever the traffic.
 */
final class LatencyHistogram {
  private static final int SUB_BITS = 3;
  private static final int SUB = 1 << SUB_BITS;
  /** Up to 2^40 µs (about 12 days); longer ones count in the last bucket. */
  private static final int BUCKETS = (40 - SUB_BITS + 1) * SUB + SUB;

  private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);

  void record(long micros) {
    counts.incrementAndGet(bucket(Math.max(0, micros)));
  }

  /** Percentiles of what was recorded since the last drain, and empties the histogram. */
  Percentiles drain() {
    long[] taken = new long[BUCKETS];
    long total = 0;
    for (int i = 0; i < BUCKETS; i++) {
      taken[i] = counts.getAndSet(i, 0);
      total += taken[i];
    }
    if (total == 0) {
      return Percentiles.NONE;
    }
    return new Percentiles(percentile(taken, total, 0.50), percentile(taken, total, 0.99));
  }

  private static long percentile(long[] taken, long total, double q) {
    long rank = Math.max(1, (long) Math.ceil(q * total));
    long seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      seen += taken[i];
      if (seen >= rank) {
        return upperBound(i);
      }
    }
    return upperBound(BUCKETS - 1);
  }

  /** Values below SUB have a bucket each; above, bucket = SUB * exponent + the next SUB_BITS bits. */
  static int bucket(long v) {
    if (v < SUB) {
      return (int) v;
    }
    int exponent = 63 - Long.numberOfLeadingZeros(v);
    int sub = (int) ((v >>> (exponent - SUB_BITS)) & (SUB - 1));
    return Math.min(BUCKETS - 1, (exponent - SUB_BITS + 1) * SUB + sub);
  }

  /** The largest value of bucket i, what a percentile in it reports. */
  static long upperBound(int i) {
    if (i < SUB) {
      return i;
    }
    int exponent = i / SUB + SUB_BITS - 1;
    long sub = i % SUB;
    return ((SUB + sub + 1) << (exponent - SUB_BITS)) - 1;
  }

  /**
   * p50 and p99 of one interval in microseconds; -1 when no request ended in it.
   */
  record Percentiles(long p50, long p99) {
    static final Percentiles NONE = new Percentiles(-1, -1);
  }
}
