package cocaine.cli;

import cocaine.deploy.Units;
import cocaine.cluster.desired.DesiredApp;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cocaine status}: the cluster on one screen (nodes with their uptime, apps with their desired
 * state, workers, queue, rates and p50/p99 latency per node, the desired state against each node's
 * report ({@link DesiredVsActual}), routing groups, recent crashes), from a {@link ClusterSnapshot} taken
 * twice {@code --interval} apart for the rates. {@code --watch} redraws it in place on a terminal
 * and prints one screen after another elsewhere; {@code --json} prints the data.
 */
@Command(name = "status", description = "Show the cluster on one screen: nodes, apps (desired and running, workers,"
    + " queue, requests and errors per second, p50/p99 latency), desired vs actual per node, routing groups and recent"
    + " crashes.")
final class StatusCommand implements Callable<Integer> {
  @Mixin Target target;
  @Option(names = {"-w", "--watch"}, description = "redraw every --interval until interrupted (or --count screens)")
  boolean watch;
  @Option(names = "--interval", defaultValue = "1s", converter = DurationConverter.class,
      description = "time between the two reads the rates come from, and between screens (default: ${DEFAULT-VALUE})")
  Duration interval;
  @Option(names = "--count", description = "with --watch, stop after this many screens") Integer count;
  @Option(names = "--node-gone", defaultValue = "15s", converter = DurationConverter.class,
      description = "a node whose report (converged/<node>) is older than this shows as gone (default: ${DEFAULT-VALUE},"
          + " 3 x cocaine.node.report-every)")
  Duration nodeGone;
  @Option(names = "--crashes", defaultValue = "5", description = "how many recent crashes to show (default: ${DEFAULT-VALUE})")
  int crashes;
  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException, InterruptedException {
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("--interval must be positive, e.g. 1s; got " + interval);
    }
    if (count != null && count < 1) {
      throw new IllegalArgumentException("--count must be at least 1; got " + count);
    }
    PrintWriter out = spec.commandLine().getOut();
    Terminal terminal = Terminal.detect();
    ClusterSnapshot before = ClusterSnapshot.take(target, crashes);
    for (int screen = 1; ; screen++) {
      Thread.sleep(interval.toMillis()); // the rates are counts over this time
      ClusterSnapshot now = ClusterSnapshot.take(target, crashes);
      Map<String, Object> data = data(before, now, nodeGone);
      if (target.json) {
        Printer.print(out, data);
      } else {
        StringWriter frame = new StringWriter();
        render(new PrintWriter(frame), terminal, data);
        out.print(watch ? terminal.clearScreen() : "");
        if (watch && !terminal.tty() && screen > 1) {
          out.println();
        }
        out.print(frame);
        out.flush();
      }
      if (!watch || (count != null && screen >= count)) {
        return 0;
      }
      before = now;
    }
  }

  /**
   * The snapshot as plain data, the form {@code --json} prints: rates from {@code before} to {@code now};
   * each desired app's {@code actual} per reporting node, a report older than {@code nodeGone} a node gone.
   */
  static Map<String, Object> data(ClusterSnapshot before, ClusterSnapshot now, Duration nodeGone) {
    Instant time = Instant.now();
    Map<String, Map<String, DesiredVsActual.Actual>> actual = DesiredVsActual.compare(now.desired(), now.reports(),
        time, nodeGone);
    double seconds = Math.max(1e-3, (now.takenNanos() - before.takenNanos()) / 1e9);
    List<Map<String, Object>> nodes = new ArrayList<>();
    for (ClusterSnapshot.NodeState n : now.nodes()) {
      Map<String, Object> node = new LinkedHashMap<>();
      node.put("uuid", n.uuid());
      node.put("address", n.address());
      node.put("state", n.error() == null ? "up" : "unreachable");
      node.put("apps", List.copyOf(n.apps().keySet()));
      node.put("uptime", n.apps().values().stream().mapToLong(info -> new AppInfoView(info).nodeUptimeSeconds())
          .max().orElse(-1));
      if (n.error() != null) {
        node.put("error", n.error());
      }
      nodes.add(node);
    }
    List<Map<String, Object>> apps = new ArrayList<>();
    for (String app : now.apps()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("app", app);
      DesiredApp d = now.desired().get(app);
      if (d != null) {
        Map<String, Object> desired = new LinkedHashMap<>();
        desired.put("version", d.version());
        desired.put("profile", d.profile());
        desired.put("running", d.running());
        desired.put("nodes", d.nodes());
        row.put("desired", desired);
        row.put("actual", DesiredVsActual.data(actual.get(app)));
      }
      Map<String, Object> perNode = new LinkedHashMap<>();
      for (ClusterSnapshot.NodeState n : now.nodes()) {
        Map<?, ?> info = n.apps().get(app);
        if (info != null) {
          perNode.put(n.uuid(), onNode(new AppInfoView(info), earlier(before, n.uuid(), app), seconds));
        }
      }
      row.put("nodes", perNode);
      apps.add(row);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("time", time.toString());
    out.put("nodes", nodes);
    out.put("apps", apps);
    out.put("groups", now.groups());
    out.put("crashes", now.crashes());
    out.put("problems", now.problems());
    return out;
  }

  private static Map<String, Object> onNode(AppInfoView v, AppInfoView earlier, double seconds) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("state", v.state());
    m.put("uptime", v.uptimeSeconds());
    m.put("profile", v.profile());
    m.put("workers", Math.max(0, v.active()));
    m.put("capacity", Math.max(0, v.poolCapacity()));
    m.put("queue", Math.max(0, v.queueDepth()));
    m.put("queue_capacity", Math.max(0, v.queueCapacity()));
    m.put("accepted", Math.max(0, v.accepted()));
    m.put("rejected", Math.max(0, v.rejected()));
    m.put("crashed", Math.max(0, v.crashed()));
    boolean known = earlier != null && earlier.accepted() >= 0 && v.accepted() >= earlier.accepted();
    m.put("requests_per_second", known ? round((v.accepted() - earlier.accepted()) / seconds) : 0.0);
    m.put("errors_per_second", known ? round((v.rejected() - earlier.rejected() + Math.max(0, v.crashed() - earlier.crashed()))
        / seconds) : 0.0);
    m.put("p50_ms", v.timing("50.00%"));
    m.put("p99_ms", v.timing("99.00%"));
    if (!v.error().isEmpty()) {
      m.put("error", v.error());
    }
    return m;
  }

  private static AppInfoView earlier(ClusterSnapshot before, String uuid, String app) {
    return before.nodes().stream().filter(n -> n.uuid().equals(uuid) && n.apps().containsKey(app)).findFirst()
        .map(n -> new AppInfoView(n.apps().get(app))).orElse(null);
  }

  private static double round(double v) {
    return Math.round(v * 10) / 10.0;
  }

  /** The screen a person reads, from {@link #data}. */
  @SuppressWarnings("unchecked")
  static void render(PrintWriter out, Terminal t, Map<String, Object> data) {
    List<Map<String, Object>> nodes = (List<Map<String, Object>>) data.get("nodes");
    out.println(t.bold("NODES") + t.dim("  " + data.get("time")));
    Table nodeTable = new Table("NODE", "ADDRESS", "STATE", "UPTIME", "APPS");
    for (Map<String, Object> n : nodes) {
      List<String> apps = (List<String>) n.get("apps");
      String state = (String) n.get("state");
      nodeTable.row(n.get("uuid"), n.get("address"), t.state(state) + (n.containsKey("error") ? " (" + n.get("error") + ")" : ""),
          Units.duration((long) n.get("uptime")), apps.isEmpty() ? "-" : String.join(", ", apps));
    }
    nodeTable.print(out, t);
    out.println();
    out.println(t.bold("APPS"));
    Table apps = new Table("APP", "DESIRED", "NODE", "STATE", "UPTIME", "WORKERS", "QUEUE", "REQ/S", "ERR/S", "P50",
        "P99");
    for (Map<String, Object> app : (List<Map<String, Object>>) data.get("apps")) {
      String desired = DesiredVsActual.desiredText((Map<String, Object>) app.get("desired"));
      Map<String, Map<String, Object>> perNode = (Map<String, Map<String, Object>>) app.get("nodes");
      if (perNode.isEmpty()) {
        apps.row(app.get("app"), desired, "-", t.yellow("not running"), "-", "-", "-", "-", "-", "-", "-");
      }
      for (Map.Entry<String, Map<String, Object>> e : perNode.entrySet()) {
        Map<String, Object> m = e.getValue();
        double errors = (double) m.get("errors_per_second");
        apps.row(app.get("app"), desired, shortUuid(e.getKey()), t.state((String) m.get("state")),
            Units.duration((long) m.get("uptime")), m.get("workers") + "/" + m.get("capacity"),
            m.get("queue") + "/" + m.get("queue_capacity"), Units.rate((double) m.get("requests_per_second")),
            errors > 0 ? t.red(Units.rate(errors)) : Units.rate(errors), millis(m.get("p50_ms")), millis(m.get("p99_ms")));
      }
    }
    if (apps.isEmpty()) {
      out.println("(no apps: 'cocaine app upload' and 'cocaine app start' run one)");
    } else {
      apps.print(out, t);
    }
    Table converged = DesiredVsActual.table(t, (List<Map<String, Object>>) data.get("apps"));
    if (!converged.isEmpty()) {
      out.println();
      out.println(t.bold("DESIRED VS ACTUAL") + t.dim("  (each node's converged/<node> report; * differs from the"
          + " desired state)"));
      converged.print(out, t);
    }
    Map<String, Object> groups = (Map<String, Object>) data.get("groups");
    if (!groups.isEmpty()) {
      out.println();
      out.println(t.bold("ROUTING GROUPS"));
      RoutingCommand.table(groups).print(out, t);
    }
    List<Map<String, Object>> crashes = (List<Map<String, Object>>) data.get("crashes");
    if (!crashes.isEmpty()) {
      out.println();
      out.println(t.bold("RECENT CRASHES") + t.dim("  ('cocaine crashlog view -n APP -t TIMESTAMP' shows one)"));
      Table table = new Table("TIME", "APP", "WORKER", "TIMESTAMP");
      crashes.forEach(c -> table.row(c.get("time"), c.get("app"), c.get("uuid"), c.get("timestamp")));
      table.print(out, t);
    }
    for (Object problem : (List<Object>) data.get("problems")) {
      out.println(t.yellow("note: ") + problem);
    }
    out.flush();
  }

  /** A latency for a person: {@code 1.5ms}, or {@code -} when the app has served nothing yet. */
  private static String millis(Object ms) {
    return ms instanceof Double d ? (d == Math.rint(d) ? Long.toString(d.longValue()) : Double.toString(d)) + "ms" : "-";
  }

  private static String shortUuid(String uuid) {
    return uuid.length() > 8 ? uuid.substring(0, 8) : uuid;
  }
}
