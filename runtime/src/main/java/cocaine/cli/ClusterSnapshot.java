package cocaine.cli;

import cocaine.client.Connection;
import cocaine.client.Locator;
import cocaine.client.ServiceClient;
import cocaine.client.StorageClient;
import cocaine.cluster.desired.DesiredApp;
import cocaine.cluster.desired.NodeReport;
import cocaine.wire.Header;
import cocaine.wire.Values;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code cocaine status} shows, read once from what the runtime already serves: the locator's
 * cluster view, each node's {@code node.list} and {@code node.info}, the desired state
 * ({@code desired/<app>}), the routing groups and the newest crashlogs. A part that cannot be read
 * (a node that does not answer, storage that wants a token) is named in {@code problems}; the rest
 * is still shown.
 *
 * @param takenNanos when it was read ({@link System#nanoTime}), for the rates between two snapshots
 * @param nodes every node, this one first
 * @param desired each app's desired state by name
 * @param reports what each node says it converged to ({@code converged/<node>}), those that parse
 * @param groups each routing group's split, as {@link RoutingCommand#groups}
 * @param crashes the newest crashlogs, newest first
 * @param problems what could not be read, each with its reason
 */
record ClusterSnapshot(long takenNanos, List<NodeState> nodes, Map<String, DesiredApp> desired,
    List<NodeReport> reports, Map<String, Object> groups, List<Map<String, Object>> crashes, List<String> problems) {

  /**
   * One node.
   *
   * @param apps each running app's {@code node.info} map by name; empty when the node did not answer
   * @param error why it did not answer, or null
   */
  record NodeState(String uuid, String address, Map<String, Map<?, ?>> apps, String error) {}

  /** Reads everything through the locator {@code target} names; keeps at most {@code crashes} crashlogs. */
  static ClusterSnapshot take(Target target, int crashes) throws IOException {
    List<String> problems = new ArrayList<>();
    List<Header> auth = target.authorization();
    List<NodeState> nodes = new ArrayList<>();
    Map<String, Object> groups = Map.of();
    try (Locator locator = target.locator()) {
      for (Map.Entry<String, Locator.Endpoint> n : ClusterCommand.nodes(locator, target).entrySet()) {
        nodes.add(node(target, auth, n.getKey(), n.getValue()));
      }
      try {
        groups = RoutingCommand.groups(locator, target.timeout);
      } catch (RuntimeException e) {
        problems.add("routing groups: " + e.getMessage());
      }
    }
    Map<String, DesiredApp> desired = new TreeMap<>();
    List<NodeReport> reports = List.of();
    List<Map<String, Object>> recent = new ArrayList<>();
    try (StorageClient storage = target.storage()) {
      try {
        for (String app : storage.find(DesiredApp.COLLECTION, DesiredApp.TAGS)) {
          desired.put(app, DesiredApp.unpack(app, storage.read(DesiredApp.COLLECTION, app)));
        }
      } catch (RuntimeException e) {
        problems.add("desired state: " + e.getMessage());
      }
      try {
        Map<String, byte[]> stored = new TreeMap<>();
        for (String node : storage.find(NodeReport.COLLECTION, NodeReport.TAGS)) {
          stored.put(node, storage.read(NodeReport.COLLECTION, node));
        }
        reports = DesiredVsActual.parse(stored, problems);
      } catch (RuntimeException e) {
        problems.add("node reports: " + e.getMessage());
      }
      try {
        recent = crashes(storage, crashes);
      } catch (RuntimeException e) {
        problems.add("crashlogs: " + e.getMessage());
      }
    } catch (IOException | RuntimeException e) {
      problems.add("storage: " + e.getMessage());
    }
    return new ClusterSnapshot(System.nanoTime(), nodes, desired, reports, groups, recent, problems);
  }

  private static NodeState node(Target target, List<Header> auth, String uuid, Locator.Endpoint at) {
    boolean self = isTarget(target, at);
    try (ServiceClient node = self ? target.service("node") : ServiceClient.connect(at.host(), at.port(), "node")) {
      Map<String, Map<?, ?>> apps = new TreeMap<>();
      for (String app : Values.asStrings(Connection.await(node.call("list"), target.timeout, "node.list").get(0))) {
        Object info = Values.toJava(Connection.await(node.callWith("info", auth, app, 1), target.timeout, "node.info")
            .get(0));
        apps.put(app, info instanceof Map<?, ?> m ? m : Map.of());
      }
      return new NodeState(uuid, at.toString(), apps, null);
    } catch (IOException | RuntimeException e) {
      return new NodeState(uuid, at.toString(), Map.of(), e.getMessage() == null ? e.toString() : e.getMessage());
    }
  }

  private static boolean isTarget(Target target, Locator.Endpoint at) {
    return at.host().equals(target.host) && at.port() == target.port;
  }

  /** The newest {@code limit} crashlogs of all uploaded apps: app, time and worker uuid. */
  private static List<Map<String, Object>> crashes(StorageClient storage, int limit) {
    List<Map<String, Object>> all = new ArrayList<>();
    for (String app : storage.find("manifests", AppCommands.APP_TAGS)) {
      for (String key : CrashlogCommands.keys(storage, app, null)) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("app", app);
        row.putAll(CrashlogCommands.row(key));
        all.add(row);
      }
    }
    all.sort(Comparator.comparingLong((Map<String, Object> r) -> (long) r.get("timestamp")).reversed());
    return all.subList(0, Math.min(limit, all.size()));
  }

  /** Every app any node runs or the desired state names, sorted. */
  List<String> apps() {
    TreeMap<String, Boolean> apps = new TreeMap<>();
    nodes.forEach(n -> n.apps().keySet().forEach(a -> apps.put(a, true)));
    desired.keySet().forEach(a -> apps.put(a, true));
    return List.copyOf(apps.keySet());
  }
}
