package cocaine.cli;

import cocaine.cluster.desired.Convergence.AppState;
import cocaine.cluster.desired.DesiredApp;
import cocaine.cluster.desired.NodeReport;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What {@code cocaine status} says of each app of the desired state ({@code desired/<app>}) on each
 * node that reports ({@code converged/<node>}): the node's actual state, and whether it differs
 * from what the cluster wants there. Pure: the snapshot reads, this compares.
 */
final class DesiredVsActual {
  /** States a node is fine in when the app is not wanted there. */
  private static final Set<String> IDLE = Set.of("stopped", "elsewhere");

  private DesiredVsActual() {}

  /**
   * One app on one node.
   *
   * @param version the desired version the node last saw for it ("" when it has none)
   * @param state   the node's word ({@code running}, {@code starting}, {@code stopped}, {@code elsewhere},
   *                {@code broken}), {@code absent} when its report does not name the app, {@code gone}
   *                when the report is older than the stale limit
   * @param reason  why it is broken, or how old a gone node's report is; else empty
   * @param differs true when this is not what the desired state wants on that node
   */
  record Actual(String version, String state, String reason, boolean differs) {
    Map<String, Object> toData() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("version", version);
      m.put("state", state);
      m.put("reason", reason);
      m.put("differs", differs);
      return m;
    }

    /** For a person: {@code running v3}, {@code broken v3: why}, {@code absent}. */
    String describe() {
      return state + (version.isEmpty() ? "" : " v" + version) + (reason.isEmpty() ? "" : ": " + reason);
    }
  }

  /**
   * @param stale a report older than this (at {@code now}) is a node gone
   * @return per app of {@code desired}, per reporting node (by name, sorted), its actual state
   */
  static Map<String, Map<String, Actual>> compare(Map<String, DesiredApp> desired, List<NodeReport> reports,
      Instant now, Duration stale) {
    Map<String, Map<String, Actual>> out = new TreeMap<>();
    desired.forEach((app, d) -> {
      Map<String, Actual> byNode = new TreeMap<>();
      for (NodeReport r : reports) {
        byNode.put(r.node(), actual(d, r, now, stale));
      }
      out.put(app, byNode);
    });
    return out;
  }

  private static Actual actual(DesiredApp d, NodeReport r, Instant now, Duration stale) {
    boolean wanted = d.wantedOn(r.node());
    if (r.time().isBefore(now.minus(stale))) {
      long age = Duration.between(r.time(), now).toSeconds();
      return new Actual("", "gone", "last report " + age + "s ago", wanted);
    }
    AppState s = r.apps().get(d.app());
    if (s == null) {
      return new Actual("", "absent", "", wanted);
    }
    boolean differs = wanted
        ? !(s.state().equals("running") && s.desired().equals(d.version()))
        : !IDLE.contains(s.state());
    return new Actual(s.desired(), s.state(), s.reason(), differs);
  }

  /** The rows {@code --json} carries under each app's {@code actual}. */
  static Map<String, Object> data(Map<String, Actual> byNode) {
    Map<String, Object> m = new LinkedHashMap<>();
    byNode.forEach((node, a) -> m.put(node, a.toData()));
    return m;
  }

  /** Every app's rows as one table: app, desired, node, actual; a differing node is marked {@code *}. */
  @SuppressWarnings("unchecked")
  static Table table(Terminal t, List<Map<String, Object>> apps) {
    Table table = new Table("APP", "DESIRED", "NODE", "ACTUAL");
    for (Map<String, Object> app : apps) {
      Map<String, Map<String, Object>> actual = (Map<String, Map<String, Object>>) app.get("actual");
      if (actual == null) {
        continue;
      }
      String desired = desiredText((Map<String, Object>) app.get("desired"));
      if (actual.isEmpty()) {
        table.row(app.get("app"), desired, "-", t.yellow("no node reports"));
      }
      actual.forEach((node, m) -> {
        Actual a = new Actual((String) m.get("version"), (String) m.get("state"), (String) m.get("reason"),
            (boolean) m.get("differs"));
        table.row(app.get("app"), desired, node, a.differs() ? t.red("* " + a.describe()) : a.describe());
      });
    }
    return table;
  }

  /** {@code run v3}, {@code run v3 on 2 nodes}, {@code stop v3}, or {@code -}. */
  static String desiredText(Map<String, Object> d) {
    if (d == null) {
      return "-";
    }
    List<?> nodes = (List<?>) d.get("nodes");
    return (Boolean.TRUE.equals(d.get("running")) ? "run" : "stop") + " v" + d.get("version")
        + (nodes.isEmpty() ? "" : " on " + nodes.size() + " nodes");
  }

  /** The reports that parse; each that does not is named in {@code problems}. */
  static List<NodeReport> parse(Map<String, byte[]> stored, List<String> problems) {
    List<NodeReport> reports = new ArrayList<>();
    stored.forEach((node, blob) -> {
      try {
        reports.add(NodeReport.unpack(node, blob));
      } catch (IllegalArgumentException e) {
        problems.add("node report: " + e.getMessage());
      }
    });
    return reports;
  }
}
