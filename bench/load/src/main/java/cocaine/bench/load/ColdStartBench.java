package cocaine.bench.load;

import cocaine.client.Connection;
import cocaine.client.Locator;
import cocaine.client.ServiceClient;
import cocaine.wire.CocaineException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Cold start: per run, {@code node.start_app} (acknowledged once spooled and published), then the
 * time from sending {@code enqueue} to the first reply chunk, while the pool has no worker yet;
 * then {@code pause_app} and a wait until the runtime has no child process left. Alternated with
 * the bare start of the same worker command ({@code sh run.sh} without arguments: JVM start, the
 * worker's argv check, exit 2), timed from process start to exit.
 */
final class ColdStartBench {
  private ColdStartBench() {}

  public static void main(String[] args) throws Exception {
    Opts o = new Opts(args);
    int locatorPort = o.integer("locator-port", 0);
    String app = o.str("app", "echo");
    String profile = o.str("profile", app);
    int runs = o.integer("runs", 5);
    long runtimePid = o.longValue("runtime-pid", 0);
    // docker isolate: workers are containers labelled with the node, not children of the runtime;
    // the bare start is then `docker run` of the same image (bench/docker/coldstart.sh)
    String dockerNode = o.str("docker-node", "");
    dockerNode = dockerNode.isEmpty() ? null : dockerNode;
    List<String> bareArgv = dockerNode != null ? List.of(o.str("bare-command", null).split(" "))
        : List.of("sh", o.str("run-script", null));
    WorkerCheck workers = dockerNode != null ? new Containers(dockerNode) : new Children(runtimePid);
    byte[] payload = "hello".getBytes();

    List<Double> cold = new ArrayList<>();
    List<Double> bare = new ArrayList<>();
    List<Double> startApp = new ArrayList<>();
    try (Locator locator = AppClients.locator(locatorPort);
         ServiceClient node = ServiceClient.connect(locator, "node")) {
      pause(node, app); // a runlist or an earlier run may have left it running
      workers.awaitNone();
      for (int i = 0; i < runs; i++) {
        bare.add(bareStart(bareArgv));

        long s0 = System.nanoTime();
        Connection.await(node.call("start_app", app, profile), Duration.ofSeconds(60), "start_app " + app);
        startApp.add((System.nanoTime() - s0) / 1e6);
        Locator.Resolved resolved = locator.resolve(app);
        try (ServiceClient c = ServiceClient.connect(resolved, Connection.Settings.DEFAULT)) {
          if (workers.any()) {
            throw new IllegalStateException("a worker runs before the first enqueue: the pool is not cold");
          }
          long t0 = System.nanoTime();
          var ch = c.enqueue("ping");
          ch.write(payload);
          ch.close();
          var first = AppClients.expect(ch, Duration.ofSeconds(60));
          cold.add((System.nanoTime() - t0) / 1e6);
          if (first.type() != 0) {
            throw AppClients.unexpected(ch, first, "write");
          }
          AppClients.expect(ch, Duration.ofSeconds(10));
        }
        pause(node, app);
        workers.awaitNone();
        System.out.printf("run %d: bare start %.0f ms, cold enqueue -> first reply %.0f ms (start_app took %.0f ms)%n",
            i + 1, bare.get(i), cold.get(i), startApp.get(i));
      }
    }
    double coldMedian = median(cold);
    double bareMedian = median(bare);
    System.out.println();
    System.out.println("cold start, " + runs + " runs, alternating; bare = " + String.join(" ", bareArgv));
    Report t = new Report("measure", "median ms", "min ms", "max ms");
    t.row("bare start of the worker (" + String.join(" ", bareArgv) + ", no args -> exit 2)", f(bareMedian), f(min(bare)), f(max(bare)));
    t.row("enqueue on a cold pool -> first reply chunk", f(coldMedian), f(min(cold)), f(max(cold)));
    t.row("difference of the medians (cold - bare)", f(coldMedian - bareMedian), "", "");
    List<Double> pairs = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      pairs.add(cold.get(i) - bare.get(i));
    }
    t.row("per-run difference (cold - bare of the same run)", f(median(pairs)), f(min(pairs)), f(max(pairs)));
    t.row("(not in the above) start_app until acknowledged", f(median(startApp)), f(min(startApp)), f(max(startApp)));
    t.print();
    System.out.printf("difference of medians: %+.0f ms (target: <= +%d ms)%n", coldMedian - bareMedian,
        dockerNode != null ? 300 : 150);
  }

  private static void pause(ServiceClient node, String app) {
    try {
      Connection.await(node.call("pause_app", app), Duration.ofSeconds(60), "pause_app " + app);
    } catch (CocaineException e) {
      if (!e.code().equals(cocaine.wire.ErrorCode.NOT_RUNNING)) {
        throw e;
      }
    }
  }

  /** Whether a worker of the app exists: a child process of the runtime, or a container of the node. */
  private interface WorkerCheck {
    boolean any() throws Exception;

    /** Waits (polling, at most 30 s) until no worker is left: the old one is gone. */
    default void awaitNone() throws Exception {
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (any()) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the workers did not exit within 30 s after pause_app");
        }
        Thread.sleep(20);
      }
    }
  }

  private record Children(long runtimePid) implements WorkerCheck {
    @Override
    public boolean any() {
      ProcessHandle rt = ProcessHandle.of(runtimePid).orElseThrow(() -> new IllegalStateException("no runtime pid "
          + runtimePid));
      return rt.children().findAny().isPresent();
    }
  }

  private record Containers(String node) implements WorkerCheck {
    @Override
    public boolean any() throws Exception {
      Process ps = new ProcessBuilder("docker", "ps", "-aq", "--filter", "label=cocaine.node=" + node)
          .redirectErrorStream(true).start();
      String out = new String(ps.getInputStream().readAllBytes()).strip();
      if (ps.waitFor() != 0) {
        throw new IllegalStateException("docker ps failed: " + out);
      }
      return !out.isEmpty();
    }
  }

  private static double bareStart(List<String> argv) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    long t0 = System.nanoTime();
    Process p = pb.start();
    int code = p.waitFor();
    double ms = (System.nanoTime() - t0) / 1e6;
    if (code != 2) {
      throw new IllegalStateException(argv + " without arguments exited " + code + ", expected 2 (bad argv)");
    }
    return ms;
  }

  static double median(List<Double> xs) {
    double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(a);
    return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  }

  private static double min(List<Double> xs) {
    return xs.stream().mapToDouble(Double::doubleValue).min().orElse(-1);
  }

  private static double max(List<Double> xs) {
    return xs.stream().mapToDouble(Double::doubleValue).max().orElse(-1);
  }

  private static String f(double ms) {
    return String.format("%.0f", ms);
  }
}
