package cocaine.bench.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Memory of a JVM process seen from outside: heap used ({@code jcmd PID GC.heap_info}, optionally
 * after {@code jcmd PID GC.run}), RSS and thread count ({@code /proc/PID/status}).
 */
record RuntimeMemory(long heapUsedKb, long heapCommittedKb, long rssKb, long threads) {
  private static final Pattern HEAP = Pattern.compile("total (\\d+)K, used (\\d+)K");

  static RuntimeMemory of(long pid, boolean fullGcFirst) throws IOException, InterruptedException {
    if (fullGcFirst) {
      jcmd(pid, "GC.run");
    }
    String info = jcmd(pid, "GC.heap_info");
    Matcher m = HEAP.matcher(info);
    if (!m.find()) {
      throw new IllegalStateException("cannot read the heap from jcmd " + pid + " GC.heap_info:\n" + info);
    }
    return new RuntimeMemory(Long.parseLong(m.group(2)), Long.parseLong(m.group(1)), status(pid, "VmRSS"), status(pid, "Threads"));
  }

  /** VmRSS (kB) summed over the given process's children, e.g. the runtime's workers. */
  static long childrenRssKb(long pid) {
    return ProcessHandle.of(pid).map(p -> p.children().mapToLong(c -> {
      try {
        return status(c.pid(), "VmRSS");
      } catch (IOException e) {
        return 0; // exited meanwhile
      }
    }).sum()).orElse(0L);
  }

  static long status(long pid, String key) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith(key + ":")) {
        return Long.parseLong(line.substring(key.length() + 1).trim().split("\\s+")[0]);
      }
    }
    throw new IllegalStateException("no " + key + " in /proc/" + pid + "/status");
  }

  private static String jcmd(long pid, String command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("jcmd", Long.toString(pid), command).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("jcmd " + pid + " " + command + " failed: " + new String(out, StandardCharsets.UTF_8));
    }
    return new String(out, StandardCharsets.UTF_8);
  }
}
