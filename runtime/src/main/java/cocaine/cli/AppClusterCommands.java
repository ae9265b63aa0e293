package cocaine.cli;

import cocaine.client.StorageClient;
import cocaine.cluster.desired.AppVersion;
import cocaine.cluster.desired.DesiredApp;
import cocaine.deploy.Releases;
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
  private AppClusterCommands() {}

  static Releases releases(Target target, StorageClient storage) throws IOException {
    return new Releases(storage, target.callerToken().fingerprint(), Clock.systemUTC());
  }

  /** {@code start --cluster}: every node (of the record's {@code nodes}) runs the app. */
  static int start(Target target, PrintWriter out, String app, String profile) throws IOException {
    try (StorageClient storage = target.storage()) {
      DesiredApp d = releases(target, storage).setRunning(app, true, profile);
      out.println("app '" + app + "' runs on the cluster: version " + d.version() + ", profile '" + d.profile() + "'");
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
        String current = releases.desired(name).map(DesiredApp::version).orElse("");
        if (target.json) {
          Printer.print(out, all.stream().map(v -> row(v, current)).toList());
          return 0;
        }
        history.unreadable().values().forEach(why -> spec.commandLine().getErr().println("warning: " + why));
        if (all.isEmpty()) {
          out.println("app '" + name + "' has no recorded versions" + (history.unreadable().isEmpty() ? ""
              : " that can be read"));
          return 0;
        }
        out.printf("%-3s %-8s %-24s %-10s %-12s %-18s %s%n", "", "VERSION", "TIME", "PROFILE", "COMMIT", "BY", "SOURCE");
        for (AppVersion v : all) {
          out.printf("%-3s %-8d %-24s %-10s %-12s %-18s %s%n", current.equals(String.valueOf(v.number())) ? "*" : "",
              v.number(), v.time(), v.profile(), v.commit().isEmpty() ? "-" : v.commit(), v.by(), v.source());
        }
      }
      return 0;
    }

    private static Map<String, Object> row(AppVersion v, String current) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("version", v.number());
      m.put("current", current.equals(String.valueOf(v.number())));
      m.put("time", v.time());
      m.put("profile", v.profile());
      m.put("commit", v.commit());
      m.put("by", v.by());
      m.put("source", v.source());
      m.put("manifest", v.manifest());
      return m;
    }
  }

  @Command(name = "rollback", description = "Run an earlier version of an app on the whole cluster "
      + "(default: the one before the current).")
  static final class Rollback implements Callable<Integer> {
    @Mixin Target target;
    @Parameters(index = "0", paramLabel = "NAME", description = "app name") String name;
    @Option(names = "--to", paramLabel = "VERSION", description = "the version to run") Long to;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      try (StorageClient storage = target.storage()) {
        AppVersion v = releases(target, storage).rollback(name, Optional.ofNullable(to));
        spec.commandLine().getOut().println("app '" + name + "' rolls back to version " + v.number() + " (" + v.time()
            + ", " + v.source() + ") on the cluster");
      }
      return 0;
    }
  }
}
