package cocaine.cli;

import cocaine.client.ClientChannel;
import cocaine.client.Locator;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.msgpack.value.Value;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cocaine routing}: each group's share of the ring per app, as the locator computes it. */
@Command(name = "routing", description = "Show each routing group's split as the locator sees it.")
final class RoutingCommand implements Callable<Integer> {
  @Mixin Target target;
  @Option(names = {"-n", "--name"}, description = "only this group") String name;
  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    Map<String, Object> out = new LinkedHashMap<>();
    try (Locator locator = target.locator()) {
      groups(locator, target.timeout).forEach((group, shares) -> {
        if (name == null || name.equals(group)) {
          out.put(group, shares);
        }
      });
    }
    if (target.json) {
      Printer.print(spec.commandLine().getOut(), out);
    } else if (out.isEmpty()) {
      spec.commandLine().getOut().println(name == null ? "(no routing groups)" : "no routing group '" + name + "'");
    } else {
      table(out).print(spec.commandLine().getOut(), Terminal.detect());
    }
    return 0;
  }

  /** Every routing group the locator serves, with each app's share of it, e.g. {@code 25.0%}. */
  static Map<String, Object> groups(Locator locator, Duration timeout) {
    ClientChannel channel = locator.routing("cli-" + UUID.randomUUID());
    try {
      Message first = channel.receive(timeout);
      if (first == null) {
        throw new CocaineException(ErrorCode.TIMEOUT, "the locator sent no routing table");
      }
      if (first.type() == Graph.ERROR) {
        throw first.toException();
      }
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<Value, Value> g : first.args().get(0).asMapValue().entrySet()) {
        out.put(Values.asString(g.getKey()), shares(g.getValue()));
      }
      return out;
    } finally {
      channel.cancel();
    }
  }

  /** One row per group and app with the app's share of the group. */
  static Table table(Map<String, Object> groups) {
    Table table = new Table("GROUP", "APP", "SHARE");
    groups.forEach((group, shares) -> ((Map<?, ?>) shares).forEach((app, share) -> table.row(group, app, share)));
    return table;
  }

  /** Fraction of the 2^32 ring each app owns: a point owns the arc up to it from the previous point. */
  private static Map<String, Object> shares(Value ring) {
    List<Value> points = ring.asArrayValue().list();
    Map<String, Double> share = new LinkedHashMap<>();
    long previous = points.isEmpty() ? 0 : Values.asLong(points.get(points.size() - 1).asArrayValue().get(0)) - (1L << 32);
    for (Value p : points) {
      long point = Values.asLong(p.asArrayValue().get(0));
      String app = Values.asString(p.asArrayValue().get(1));
      share.merge(app, (point - previous) / (double) (1L << 32), Double::sum);
      previous = point;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    share.forEach((app, s) -> out.put(app, Math.round(s * 10000) / 100.0 + "%"));
    return out;
  }
}
