package cocaine.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * CPU time used by a server process and its descendants (a runtime and its workers), from
 * {@code /proc}. Per-request CPU stays comparable when other load shares the machine, unlike
 * requests per second.
 */
final class CpuMeter {
  /** Linux reports utime and stime in clock ticks of 10 ms on every common configuration. */
  private static final long NANOS_PER_TICK = 10_000_000L;
  private final long pid;

  CpuMeter(long pid) {
    this.pid = pid;
  }

  /** Total CPU nanoseconds of the process tree now; 0 when there is no such process. */
  long nanos() {
    return ProcessHandle.of(pid)
        .map(p -> Stream.concat(Stream.of(p), p.descendants()).mapToLong(CpuMeter::ticks).sum() * NANOS_PER_TICK)
        .orElse(0L);
  }

  private static long ticks(ProcessHandle p) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    } catch (IOException | RuntimeException e) {
      return 0; // the process ended meanwhile
    }
  }
}
