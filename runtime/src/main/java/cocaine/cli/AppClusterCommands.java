package cocaine.cli;

import cocaine.client.StorageClient;
import cocaine.cluster.desired.AppVersion;
import cocaine.cluster.desired.DesiredApp;
import cocaine.cluster.desired.NodeReport;
import cocaine.deploy.DeployFailed;
import cocaine.deploy.Placement;
import cocaine.deploy.Releases;
import cocaine.deploy.RolloutWatch;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.time.Duration;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The cluster's side of {@code cocaine app}: {@code versions}, {@code rollback}, and what
 * {@code start|stop|restart --cluster} do, all by writing the desired state every node follows.
 */
final class AppClusterCommands {
  /** A node whose report is older than this is not waited for (3 x node.report-every). */
  private static final Duration NODE_GONE = Duration.ofSeconds(15);

  private AppClusterCommands() {}

  static Releases releases(Target target, StorageClient storage) throws IOException {
    return new Releases(storage, target.callerToken().fingerprint(), Clock.systemUTC());
  }

  /**
   * {@code app upload --release}: records the next version and runs it on the cluster (as a canary at
   * {@code canary} percent when above 0); with a {@code wait} above 0, waits for every node and rolls
   * back when one cannot run it.
   */
  static void release(Target target, PrintWriter out, StorageClient storage, Releases releases, String app,
      Map<String, Object> manifest, byte[] archive, String profile, int canary, Duration wait)
      throws InterruptedException {
    Optional<DesiredApp> before = releases.desired(app);
    AppVersion v = releases.release(app, manifest, archive, "", profile, "", canary);
    out.println("app '" + app + "' version " + v.number() + (canary > 0 ? " runs as a canary at " + canary
        + "% beside version " + before.map(DesiredApp::version).orElse("?") : " runs") + " on the cluster with profile '"
        + profile + "'");
    out.flush();
    if (wait.isZero()) {
      return;
    }
    try {
      List<String> nodes = awaitNodes(storage, releases, app, v.number(), before, wait, NODE_GONE, out);
      out.println("app '" + app + "' version " + v.number() + " runs on " + String.join(", ", nodes));
    } catch (DeployFailed e) {
      throw new CocaineException(ErrorCode.IO_ERROR, "release of '" + app + "' version " + v.number() + " failed: "
          + e.reason() + "; the previous version keeps running");
    }
  }

  /**
   * Waits ({@link RolloutWatch}) until every live node that should run {@code app} serves what its
   * desired state now says, version {@code number}; a node that cannot, or no node within
   * {@code wait}, puts {@code before} back and marks the version failed.
   *
   * @return the nodes that serve it
   * @throws DeployFailed after the rollback, with the node's reason
   */
  static List<String> awaitNodes(StorageClient storage, Releases releases, String app, long number,
      Optional<DesiredApp> before, Duration wait, Duration nodeGone, PrintWriter out) throws InterruptedException {
    String label = releases.desired(app).map(DesiredApp::label).orElse(String.valueOf(number));
    return new RolloutWatch(storage, releases, app, number, label, () -> {
      releases.restore(app, before);
      out.println("back to " + before.map(d -> "version " + d.label()).orElse("no version") + " on the cluster");
    }, wait, nodeGone, line -> {
      out.println(line);
      out.flush();
    }).await();
  }

  /**
   * How {@code promote} and {@code rollback} wait for the nodes, with the spelling of {@code app
   * deploy}: by default until every node serves the resulting version.
   */
  static final class NodesWait {
    @Option(names = "--no-wait", description = "return once the cluster's desired state is written, without waiting"
        + " for the nodes") boolean noWait;
    @Option(names = "--start-timeout", defaultValue = "5m", converter = DurationConverter.class,
        description = "longest wait for the nodes to serve it; past it, or when a node cannot run it, the desired"
            + " state goes back to what it was (default: ${DEFAULT-VALUE})") Duration startTimeout;
    @Option(names = "--node-gone", defaultValue = "15s", converter = DurationConverter.class,
        description = "a node whose report is older than this is not waited for (default: ${DEFAULT-VALUE})")
    Duration nodeGone;

    /**
     * Waits unless {@code --no-wait}; a node that cannot serve it fails the command ({@code [IO_ERROR]})
     * with the node's reason, after {@code before} is back.
     */
    void await(StorageClient storage, Releases releases, String app, AppVersion v, Optional<DesiredApp> before,
        String what, PrintWriter out) throws InterruptedException {
      if (noWait) {
        return;
      }
      try {
        List<String> nodes = awaitNodes(storage, releases, app, v.number(), before, startTimeout, nodeGone, out);
        out.println("app '" + app + "' version " + v.number() + " serves on " + String.join(", ", nodes));
      } catch (DeployFailed e) {
        throw new CocaineException(ErrorCode.IO_ERROR, what + " of '" + app + "' to version " + v.number()
            + " failed: " + e.reason() + "; " + before.map(d -> "version " + d.label() + " keeps running")
            .orElse("nothing runs"));
      }
    }
  }

  /** {@code start --cluster}: every node (of the record's {@code nodes}, placed anew when given) runs the app. */
  static int start(Target target, PrintWriter out, String app, String profile, Optional<List<String>> nodes,
      Optional<Integer> count) throws IOException {
    if (nodes.isPresent() && nodes.get().stream().anyMatch(String::isBlank)) {
      throw new IllegalArgumentException("--nodes names nodes, comma-separated, got an empty name in " + nodes.get());
    }
    if (count.isPresent() && count.get() < 1) {
      throw new IllegalArgumentException("--count must be at least 1, got " + count.get());
    }
    nodes = nodes.map(n -> n.equals(List.of("all")) ? List.of() : n); // the record's empty list: every node
    try (StorageClient storage = target.storage()) {
      List<String> reporting = storage.find(NodeReport.COLLECTION, NodeReport.TAGS);
      if (count.isPresent()) {
        nodes = Optional.of(Placement.pick(app, reporting, count.get()));
      }
      DesiredApp d = releases(target, storage).setRunning(app, true, profile, nodes);
      out.println("app '" + app + "' runs on the cluster: version " + d.version() + ", profile '" + d.profile() + "'"
          + (d.nodes().isEmpty() ? "" : ", on " + String.join(", ", d.nodes())));
      d.nodes().stream().filter(n -> !reporting.contains(n)).forEach(n -> out.println("warning: no node named '" + n
          + "' reports to the cluster (cocaine status lists the nodes); it runs the app once it joins"));
    }
    return 0;
  }

  /** {@code stop --cluster}: every node stops the app; its version stays for the next start. */
  static int stop(Target target, PrintWriter out, String app) throws IOException {
    try (StorageClient storage = target.storage()) {
      DesiredApp d = releases(target, storage).setRunning(app, false, null);
      out.println("app '" + app + "' stopped on the cluster (version " + d.version() + " kept)");
    }
    return 0;
  }

  /** {@code restart --cluster}: every node that runs the app restarts it once. */
  static int restart(Target target, PrintWriter out, String app) throws IOException {
    try (StorageClient storage = target.storage()) {
      DesiredApp d = releases(target, storage).restart(app);
      out.println("app '" + app + "' restarts on the cluster: version " + d.version() + " (restart " + d.restart() + ")");
    }
    return 0;
  }

  @Command(name = "versions", description = "List an app's recorded versions; * marks the cluster's desired one.")
  static final class Versions implements Callable<Integer> {
    @Mixin Target target;
    @Parameters(index = "0", paramLabel = "NAME", description = "app name") String name;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      try (StorageClient storage = target.storage()) {
        Releases releases = releases(target, storage);
        Releases.History history = releases.history(name);
        List<AppVersion> all = history.versions();
        Optional<DesiredApp> desired = releases.desired(name);
        String current = desired.map(DesiredApp::version).orElse("");
        if (target.json) {
          Printer.print(out, all.stream().map(v -> row(v, current, desired)).toList());
          return 0;
        }
        history.unreadable().values().forEach(why -> spec.commandLine().getErr().println("warning: " + why));
        if (all.isEmpty()) {
          out.println("app '" + name + "' has no recorded versions" + (history.unreadable().isEmpty() ? ""
              : " that can be read"));
          return 0;
        }
        out.printf("%-3s %-8s %-24s %-10s %-12s %-18s %-8s %s%n", "", "VERSION", "TIME", "PROFILE", "COMMIT", "BY",
            "STATUS", "SOURCE");
        for (AppVersion v : all) {
          out.printf("%-3s %-8d %-24s %-10s %-12s %-18s %-8s %s%n", mark(v, desired), v.number(), v.time(), v.profile(),
              v.commit().isEmpty() ? "-" : v.commit(), v.by(), status(v, desired), v.source());
          if (v.isFailed()) {
            out.println("    reason: " + v.reason());
          }
        }
      }
      return 0;
    }

    /** {@code *} the desired version, {@code c} its canary. */
    private static String mark(AppVersion v, Optional<DesiredApp> desired) {
      String n = String.valueOf(v.number());
      return desired.map(d -> d.version().equals(n) ? "*" : d.canary() != null && d.canary().version().equals(n)
          ? "c" : "").orElse("");
    }

    /** {@code failed}, {@code canary N%}, or {@code -}. */
    private static String status(AppVersion v, Optional<DesiredApp> desired) {
      if (v.isFailed()) {
        return AppVersion.FAILED;
      }
      return desired.filter(d -> d.canary() != null && d.canary().version().equals(String.valueOf(v.number())))
          .map(d -> "canary " + d.canary().percent() + "%").orElse("-");
    }

    private static Map<String, Object> row(AppVersion v, String current, Optional<DesiredApp> desired) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("version", v.number());
      m.put("current", current.equals(String.valueOf(v.number())));
      m.put("canary", desired.map(d -> d.canary() != null && d.canary().version().equals(String.valueOf(v.number())))
          .orElse(false));
      m.put("status", v.status().isEmpty() ? "ok" : v.status());
      m.put("reason", v.reason());
      m.put("time", v.time());
      m.put("profile", v.profile());
      m.put("commit", v.commit());
      m.put("by", v.by());
      m.put("source", v.source());
      m.put("manifest", v.manifest());
      return m;
    }
  }

  @Command(name = "promote", description = "Make an app's canary its only version on the whole cluster: the"
      + " version it ran beside drains and stops; returns once every node serves only it (see --no-wait).")
  static final class Promote implements Callable<Integer> {
    @Mixin Target target;
    @Parameters(index = "0", paramLabel = "NAME", description = "app name") String name;
    @Mixin NodesWait wait;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException, InterruptedException {
      PrintWriter out = spec.commandLine().getOut();
      try (StorageClient storage = target.storage()) {
        Releases releases = releases(target, storage);
        Optional<DesiredApp> before = releases.desired(name);
        AppVersion v = releases.promote(name);
        out.println("app '" + name + "' runs version " + v.number() + " (its canary) on the whole cluster");
        out.flush();
        wait.await(storage, releases, name, v, before, "promote", out);
      }
      return 0;
    }
  }

  @Command(name = "rollback", description = "Run an earlier version of an app on the whole cluster "
      + "(default: the one before the current, failed ones left out; with a canary: drop the canary);"
      + " returns once every node serves it (see --no-wait).")
  static final class Rollback implements Callable<Integer> {
    @Mixin Target target;
    @Parameters(index = "0", paramLabel = "NAME", description = "app name") String name;
    @Option(names = "--to", paramLabel = "VERSION", description = "the version to run") Long to;
    @Mixin NodesWait wait;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException, InterruptedException {
      PrintWriter out = spec.commandLine().getOut();
      try (StorageClient storage = target.storage()) {
        Releases releases = releases(target, storage);
        Optional<DesiredApp> before = releases.desired(name);
        AppVersion v = releases.rollback(name, Optional.ofNullable(to));
        out.println("app '" + name + "' rolls back to version " + v.number() + " (" + v.time() + ", " + v.source()
            + ") on the cluster");
        out.flush();
        wait.await(storage, releases, name, v, before, "rollback", out);
      }
      return 0;
    }
  }
}
