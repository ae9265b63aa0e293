package cocaine.cli;

import cocaine.client.ClientChannel;
import cocaine.client.Locator;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.io.IOException;
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
    try (Locator locator = target.locator()) {
      ClientChannel channel = locator.routing("cli-" + UUID.randomUUID());
      Message first = channel.receive(target.timeout);
      if (first == null) {
        throw new CocaineException(ErrorCode.TIMEOUT, "the locator sent no routing table");
      }
      if (first.type() == Graph.ERROR) {
        throw first.toException();
      }
      Map<String, Object> out = new LinkedHashMap<>();
      Value groups = first.args().get(0);
      for (Map.Entry<Value, Value> g : groups.asMapValue().entrySet()) {
        String group = Values.asString(g.getKey());
        if (name == null || name.equals(group)) {
          out.put(group, shares(g.getValue()));
        }
      }
      channel.cancel();
      Printer.print(spec.commandLine().getOut(), out);
    }
    return 0;
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
