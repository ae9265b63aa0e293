package cocaine.node.engine;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An app's request rate and timings as the original node's info shows them: {@code rate} is the
 * 1-, 5- and 15-minute moving averages of accepted requests per second (ticked every 5 s, as its
 * meters), {@code rate_mean} the mean since start; {@code timings} the percentiles in ms of the
 * last {@link #SAMPLES} requests' times from enqueue to the end of their channel, and
 * {@code timings_reversed} the percent of them done within 1 ms ... 1000 ms. Time is passed in;
 * mutable, owned by one engine.
 */
final class Throughput {
  static final int SAMPLES = 1024;
  static final long TICK_NANOS = 5_000_000_000L;
  private static final double[] MINUTES = {1, 5, 15};
  private static final double[] PERCENTILES = {0.50, 0.75, 0.90, 0.95, 0.98, 0.99, 0.9995};
  private static final String[] PERCENTILE_NAMES = {"50.00%", "75.00%", "90.00%", "95.00%", "98.00%", "99.00%", "99.95%"};
  private static final long[] REVERSED_MS = {1, 2, 5, 10, 20, 50, 100, 500, 1000};

  private final long startNanos;
  private final double[] rates = new double[MINUTES.length];
  private boolean ticked;
  private long lastTickNanos;
  private long uncounted;
  private long count;
  private final long[] samples = new long[SAMPLES];
  private int filled;
  private int next;

  Throughput(long nowNanos) {
    this.startNanos = nowNanos;
    this.lastTickNanos = nowNanos;
  }

  /** One request accepted at {@code nowNanos}. */
  void mark(long nowNanos) {
    tick(nowNanos);
    uncounted++;
    count++;
  }

  /** One request's time from enqueue to the end of its channel. */
  void took(long nanos) {
    samples[next] = Math.max(0, nanos);
    next = (next + 1) % SAMPLES;
    filled = Math.min(filled + 1, SAMPLES);
  }

  /** The {@code rate}, {@code rate_mean}, {@code timings} and {@code timings_reversed} keys. */
  Map<String, Object> info(long nowNanos) {
    tick(nowNanos);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("rate", List.of(trunc(rates[0], 1000), trunc(rates[1], 1000), trunc(rates[2], 1000)));
    double seconds = (nowNanos - startNanos) / 1e9;
    out.put("rate_mean", seconds <= 0 ? 0.0 : trunc(count / seconds, 1000));
    long[] sorted = Arrays.copyOf(samples, filled);
    Arrays.sort(sorted);
    Map<String, Object> timings = new LinkedHashMap<>();
    for (int i = 0; i < PERCENTILES.length; i++) {
      timings.put(PERCENTILE_NAMES[i], trunc(percentile(sorted, PERCENTILES[i]) / 1e6, 1000));
    }
    out.put("timings", timings);
    Map<String, Object> reversed = new LinkedHashMap<>();
    for (long ms : REVERSED_MS) {
      reversed.put(ms + "ms", sorted.length == 0 ? 0.0 : trunc(100.0 * within(sorted, ms * 1_000_000) / sorted.length, 100));
    }
    out.put("timings_reversed", reversed);
    return out;
  }

  private void tick(long nowNanos) {
    while (nowNanos - lastTickNanos >= TICK_NANOS) {
      double instant = uncounted / (TICK_NANOS / 1e9);
      for (int i = 0; i < rates.length; i++) {
        double alpha = 1 - Math.exp(-TICK_NANOS / 1e9 / 60.0 / MINUTES[i]);
        rates[i] = ticked ? rates[i] + alpha * (instant - rates[i]) : instant;
      }
      ticked = true;
      uncounted = 0;
      lastTickNanos += TICK_NANOS;
      if (nowNanos - lastTickNanos > 15 * 60 * TICK_NANOS) {
        // idle for long: every average has decayed to nothing, no need to tick through it
        Arrays.fill(rates, 0);
        lastTickNanos = nowNanos;
      }
    }
  }

  private static double percentile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return 0;
    }
    int index = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  private static int within(long[] sorted, long limit) {
    int i = Arrays.binarySearch(sorted, limit);
    if (i < 0) {
      return -i - 1;
    }
    while (i < sorted.length && sorted[i] == limit) {
      i++;
    }
    return i;
  }

  /** Rounds up to 1/{@code scale}, as the original's trunc does. */
  private static double trunc(double v, int scale) {
    return Math.ceil(v * scale) / scale;
  }
}
