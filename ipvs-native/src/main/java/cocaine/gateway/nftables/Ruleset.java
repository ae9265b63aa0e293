package cocaine.gateway.nftables;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The nftables table of the gateway, rendered as one {@code nft -f} script that replaces the
 * whole table in a single transaction (so leftovers of an earlier run never matter): per virtual
 * service a DNAT rule spreading new connections over the reals with a {@code numgen} map (round
 * robin when all weights are equal, weighted random otherwise), in prerouting for forwarded
 * clients and in output for local ones; optionally masquerade of the DNATed connections so reals
 * need no route back through the balancer.
 */
final class Ruleset {
  /** The table's name: {@code ip cocaine}. */
  static final String TABLE = "cocaine";
  /** Conntrack mark of connections this table DNATed ("coca"), for the masquerade rule. */
  static final String MARK = "0x636f6361";

  /** One real: IPv4 address, port, weight >= 1. */
  record Real(String address, int port, int weight) {}

  /** One app: its virtual port and reals by node. */
  record Virtual(int port, Map<String, Real> reals) {
    Virtual {
      reals = Map.copyOf(reals);
    }
  }

  private Ruleset() {}

  /**
   * @param address the virtual IPv4 address matched, or empty to match the port on every address
   * @param services app -> its virtual service; apps without reals get no rule (connections are refused)
   */
  static String render(Optional<String> address, Map<String, Virtual> services, boolean masquerade) {
    List<String> rules = new ArrayList<>();
    new TreeMap<>(services).forEach((name, v) -> rule(address, name, v).ifPresent(rules::add));
    StringBuilder out = new StringBuilder();
    // declaring the table first makes the delete succeed whether or not it exists
    out.append("table ip ").append(TABLE).append('\n');
    out.append("delete table ip ").append(TABLE).append('\n');
    out.append("table ip ").append(TABLE).append(" {\n");
    chain(out, "prerouting", "type nat hook prerouting priority dstnat; policy accept;", rules);
    chain(out, "output", "type nat hook output priority -100; policy accept;", rules);
    chain(out, "postrouting", "type nat hook postrouting priority srcnat; policy accept;",
        masquerade ? List.of("ct mark " + MARK + " masquerade") : List.of());
    out.append("}\n");
    return out.toString();
  }

  /** The script that removes the table, tolerant of its absence. */
  static String delete() {
    return "table ip " + TABLE + "\ndelete table ip " + TABLE + "\n";
  }

  private static Optional<String> rule(Optional<String> address, String name, Virtual v) {
    if (v.reals().isEmpty()) {
      return Optional.empty();
    }
    List<Real> reals = new ArrayList<>(new TreeMap<>(v.reals()).values());
    boolean equal = reals.stream().allMatch(r -> r.weight() == reals.get(0).weight());
    StringBuilder map = new StringBuilder();
    int total = 0;
    for (Real r : reals) {
      int size = equal ? 1 : r.weight();
      if (map.length() > 0) {
        map.append(", ");
      }
      map.append(size == 1 ? Integer.toString(total) : total + "-" + (total + size - 1))
          .append(" : ").append(r.address()).append(" . ").append(r.port());
      total += size;
    }
    String match = address.map(a -> "ip daddr " + a + " ").orElse("") + "tcp dport " + v.port();
    return Optional.of(match + " ct mark set " + MARK + " dnat ip to numgen " + (equal ? "inc" : "random") + " mod " + total
        + " map { " + map + " } comment \"" + comment(name) + "\"");
  }

  /** App names go into a quoted comment: keep them printable and without quotes. */
  private static String comment(String name) {
    StringBuilder out = new StringBuilder();
    for (char c : name.toCharArray()) {
      out.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? c : '_');
    }
    return out.length() > 120 ? out.substring(0, 120) : out.toString();
  }

  private static void chain(StringBuilder out, String name, String hook, List<String> rules) {
    out.append("  chain ").append(name).append(" {\n    ").append(hook).append('\n');
    for (String r : rules) {
      out.append("    ").append(r).append('\n');
    }
    out.append("  }\n");
  }
}
