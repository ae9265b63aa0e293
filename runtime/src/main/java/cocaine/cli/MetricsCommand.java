package cocaine.cli;

import cocaine.client.Connection;
import cocaine.client.ServiceClient;
import cocaine.wire.Values;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.msgpack.value.Value;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cocaine metrics [QUERY]}: the runtime's own numbers, from its {@code metrics} service. */
@Command(name = "metrics", description = "Show the runtime's meters (JVM, apps), optionally only the names containing QUERY.")
final class MetricsCommand implements Callable<Integer> {
  @Mixin Target target;
  @Parameters(index = "0", arity = "0..1", paramLabel = "QUERY", description = "a text every shown name contains")
  String query;
  @Option(names = "--type", defaultValue = "plain", description = "plain (full names) or json (a tree at the dots)")
  String type;
  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    try (ServiceClient metrics = target.service("metrics")) {
      List<Object> args = new ArrayList<>(List.of(type));
      if (query != null) {
        args.add(query);
      }
      List<Value> reply = Connection.await(metrics.call("fetch", args.toArray()), target.timeout, "metrics.fetch");
      @SuppressWarnings("unchecked")
      Map<String, Object> numbers = (Map<String, Object>) Values.toJava(reply.get(0));
      Printer.print(spec.commandLine().getOut(), numbers);
    }
    return 0;
  }
}
