package cocaine.bench.load;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs N threads, each doing one operation at a time in a loop (one outstanding request per
 * thread), first for a warm-up, then for the measured window. Bounded by time and by a cap on
 * operations per thread. A failed operation is counted, and the thread stops after 100 of them.
 */
final class ClosedLoop {
  /** One request/response of one thread; throws on a failed round trip. */
  interface Op {
    void run() throws Exception;

    /** Releases what the operation holds (its connection), after the run. */
    default void close() throws Exception {}
  }

  /** One thread's operation, made on that thread (so it can own a connection). */
  interface OpFactory {
    Op create(int thread) throws Exception;
  }

  /**
   * @param serverCpuNanos CPU the measured server used during the window (0 when not measured)
   */
  record Result(long ops, double seconds, Histogram latency, long errors, String firstError, long serverCpuNanos) {
    /** Server CPU microseconds per request in the window, or NaN when not measured. */
    double serverMicrosPerOp() {
      return serverCpuNanos == 0 || ops == 0 ? Double.NaN : serverCpuNanos / 1e3 / ops;
    }

    double opsPerSecond() {
      return ops / seconds;
    }
  }

  private ClosedLoop() {}

  static Result run(int threads, OpFactory factory, Duration warmup, Duration window, long maxOpsPerThread)
      throws Exception {
    return run(threads, factory, warmup, window, maxOpsPerThread, null);
  }

  /** As above, also measuring the CPU {@code server} uses during the measured window. */
  static Result run(int threads, OpFactory factory, Duration warmup, Duration window, long maxOpsPerThread,
      CpuMeter server) throws Exception {
    List<Op> ops = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      ops.add(factory.create(i));
    }
    Histogram[] hists = new Histogram[threads];
    long[] counts = new long[threads];
    AtomicLong errors = new AtomicLong();
    AtomicReference<String> firstError = new AtomicReference<>();
    CyclicBarrier start = new CyclicBarrier(threads + 1);
    long base = System.nanoTime() + 200_000_000L; // every thread's clock starts here, after the barrier
    long warmEnd = base + warmup.toNanos();
    long end = warmEnd + window.toNanos();
    long[] lastEnd = new long[threads];
    List<Thread> running = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      int id = i;
      hists[i] = new Histogram();
      Thread t = new Thread(() -> {
        Op op = ops.get(id);
        int failures = 0;
        try {
          start.await();
          while (System.nanoTime() < warmEnd && failures < 100) {
            try {
              op.run();
            } catch (Exception e) {
              failures++;
              errors.incrementAndGet();
              firstError.compareAndSet(null, "warm-up: " + e);
            }
          }
          long n = 0;
          while (n < maxOpsPerThread && failures < 100) {
            long t0 = System.nanoTime();
            if (t0 >= end) {
              break;
            }
            try {
              op.run();
              hists[id].record(System.nanoTime() - t0);
              n++;
            } catch (Exception e) {
              failures++;
              errors.incrementAndGet();
              firstError.compareAndSet(null, e.toString());
            }
          }
          counts[id] = n;
          lastEnd[id] = System.nanoTime();
        } catch (Exception e) {
          firstError.compareAndSet(null, e.toString());
        }
      }, "load-" + i);
      t.setDaemon(true);
      running.add(t);
      t.start();
    }
    start.await();
    long cpuStart = 0;
    if (server != null) {
      java.util.concurrent.locks.LockSupport.parkNanos(warmEnd - System.nanoTime());
      cpuStart = server.nanos();
    }
    for (Thread t : running) {
      t.join(warmup.toMillis() + window.toMillis() + 60_000);
    }
    long cpu = server == null ? 0 : server.nanos() - cpuStart;
    for (Op op : ops) {
      try {
        op.close();
      } catch (Exception e) {
        // the measurement is over; a connection that fails to close changes nothing
      }
    }
    Histogram all = new Histogram();
    long total = 0;
    long last = warmEnd;
    for (int i = 0; i < threads; i++) {
      all.add(hists[i]);
      total += counts[i];
      last = Math.max(last, lastEnd[i]);
    }
    // The window ends when the last thread's last operation did (it may overrun the deadline).
    double seconds = Math.max(1e-9, (last - warmEnd) / 1e9);
    return new Result(total, seconds, all, errors.get(), firstError.get(), cpu);
  }
}
