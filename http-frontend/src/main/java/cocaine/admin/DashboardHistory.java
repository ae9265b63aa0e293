package cocaine.admin;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the dashboard's charts draw: per app a fixed-size ring of samples, one per sample interval
 * (requests and errors in it, p50 and p99 latency, queue depth), the oldest overwritten. Memory is
 * {@code apps x size x 48} bytes at most, whatever the traffic. Written by the sampler only; read
 * by any thread (each read copies under the lock).
 */
final class DashboardHistory {
  /** Fields of a sample, in the order the page reads them. */
  static final List<String> FIELDS = List.of("t", "requests", "errors", "p50_us", "p99_us", "queue_depth");

  /** One sample: epoch ms of its end, requests and errors in it, p50/p99 µs (-1: none), queue depth. */
  record Sample(long t, long requests, long errors, long p50, long p99, long queueDepth) {
    List<Long> row() {
      return List.of(t, requests, errors, p50, p99, queueDepth);
    }
  }

  private static final class Ring {
    final Sample[] samples;
    long written;

    Ring(int size) {
      samples = new Sample[size];
    }

    void add(Sample s) {
      samples[(int) (written++ % samples.length)] = s;
    }

    List<List<Long>> rows() {
      long start = Math.max(0, written - samples.length);
      List<List<Long>> out = new ArrayList<>((int) (written - start));
      for (long i = start; i < written; i++) {
        out.add(samples[(int) (i % samples.length)].row());
      }
      return out;
    }

    Sample last() {
      return written == 0 ? null : samples[(int) ((written - 1) % samples.length)];
    }
  }

  private final int size;
  private final int maxApps;
  private final Map<String, Ring> apps = new TreeMap<>();

  /**
   * @param size    samples kept per app (history / sample interval)
   * @param maxApps apps kept; samples of further apps are left out
   */
  DashboardHistory(int size, int maxApps) {
    if (size < 2) {
      throw new IllegalArgumentException("cocaine.tracing.dashboard: history / sample-interval must be at least 2 "
          + "samples, got " + size);
    }
    this.size = size;
    this.maxApps = maxApps;
  }

  int size() {
    return size;
  }

  synchronized void add(String app, Sample sample) {
    Ring ring = apps.get(app);
    if (ring == null) {
      if (apps.size() >= maxApps) {
        return;
      }
      ring = new Ring(size);
      apps.put(app, ring);
    }
    ring.add(sample);
  }

  /** app -> samples as rows of {@link #FIELDS}, oldest first. */
  synchronized Map<String, List<List<Long>>> rows() {
    Map<String, List<List<Long>>> out = new TreeMap<>();
    apps.forEach((app, ring) -> out.put(app, ring.rows()));
    return out;
  }

  /** app -> its latest sample as a row of {@link #FIELDS}. */
  synchronized Map<String, List<Long>> latest() {
    Map<String, List<Long>> out = new TreeMap<>();
    apps.forEach((app, ring) -> {
      Sample s = ring.last();
      if (s != null) {
        out.put(app, s.row());
      }
    });
    return out;
  }
}
