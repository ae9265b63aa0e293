package cocaine.cli;

import cocaine.deploy.Units;
import java.util.Map;

/**
 * The parts of an app's {@code node.info} map (docs/protocol.md 3.6) the human views show, read
 * leniently: a part the map lacks (a stopped app has no pool) reads as -1 or empty.
 *
 * @param info the map as {@code node.info} returned it
 */
record AppInfoView(Map<?, ?> info) {
  String state() {
    return info.get("state") instanceof String s ? s : "unknown";
  }

  long uptimeSeconds() {
    return number(info, "uptime");
  }

  String profile() {
    return info.get("profile") instanceof Map<?, ?> p && p.get("name") instanceof String n ? n : "";
  }

  long active() {
    return number(part("pool"), "active");
  }

  long poolCapacity() {
    return number(part("pool"), "capacity");
  }

  long crashed() {
    return number(part("pool"), "total:crashed");
  }

  long queueDepth() {
    return number(part("queue"), "depth");
  }

  long queueCapacity() {
    return number(part("queue"), "capacity");
  }

  long accepted() {
    return number(part("requests"), "accepted");
  }

  long rejected() {
    return number(part("requests"), "rejected");
  }

  String error() {
    return info.get("error") instanceof String e ? e : "";
  }

  /** {@code active/capacity}, or {@code -} when the app runs no pool. */
  String workers() {
    return active() < 0 ? "-" : active() + "/" + poolCapacity();
  }

  /** {@code depth/capacity}, or {@code -}. */
  String queue() {
    return queueDepth() < 0 ? "-" : queueDepth() + "/" + queueCapacity();
  }

  /** One row per app: the table {@code cocaine info} prints for a person. */
  static Table table(Map<String, Object> infos, Terminal terminal) {
    Table table = new Table("APP", "STATE", "UPTIME", "PROFILE", "WORKERS", "QUEUE", "ACCEPTED", "REJECTED", "CRASHED");
    infos.forEach((app, info) -> {
      AppInfoView v = new AppInfoView(info instanceof Map<?, ?> m ? m : Map.of());
      table.row(app, terminal.state(v.state()), v.uptimeSeconds() < 0 ? "-" : Units.duration(v.uptimeSeconds()),
          v.profile(), v.workers(), v.queue(), count(v.accepted()), count(v.rejected()), count(v.crashed()));
    });
    return table;
  }

  /** One app for a person: its row, its workers, its error, and the manifest and profile when asked for. */
  static void details(java.io.PrintWriter out, Terminal terminal, String app, Map<?, ?> info) {
    table(Map.of(app, info), terminal).print(out, terminal);
    AppInfoView v = new AppInfoView(info);
    if (v.part("pool").get("slaves") instanceof Map<?, ?> slaves && !slaves.isEmpty()) {
      out.println();
      Table workers = new Table("WORKER", "STATE", "LOAD", "ACCEPTED", "UPTIME");
      slaves.forEach((uuid, slot) -> {
        Map<?, ?> m = slot instanceof Map<?, ?> x ? x : Map.of();
        workers.row(uuid, terminal.state(String.valueOf(m.get("state"))), m.get("load"), m.get("accepted"),
            Units.duration(number(m, "uptime")));
      });
      workers.print(out, terminal);
    }
    if (!v.error().isEmpty()) {
      out.println(terminal.red("error: ") + v.error());
    }
    if (info.get("manifest") instanceof Map<?, ?> manifest) {
      out.println();
      out.println(terminal.bold("MANIFEST"));
      HumanOutput.show(out, terminal, manifest, "KEY");
    }
    if (v.part("profile").get("data") instanceof Map<?, ?> profile) {
      out.println();
      out.println(terminal.bold("PROFILE") + " " + v.profile());
      HumanOutput.show(out, terminal, profile, "KEY");
    }
    out.flush();
  }

  private static String count(long n) {
    return n < 0 ? "-" : Long.toString(n);
  }

  private Map<?, ?> part(String key) {
    return info.get(key) instanceof Map<?, ?> m ? m : Map.of();
  }

  private static long number(Map<?, ?> map, String key) {
    return map.get(key) instanceof Number n ? n.longValue() : -1;
  }
}
