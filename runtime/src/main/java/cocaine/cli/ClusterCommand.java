package cocaine.cli;

import cocaine.client.Locator;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cocaine cluster}: the nodes the locator knows, uuid to address, this node first (a single
 * node lists itself); {@code --resolve} shows host names instead of addresses, as the original did.
 */
@Command(name = "cluster", description = "Show the cluster's nodes as the locator sees them, this node included.")
final class ClusterCommand implements Callable<Integer> {
  @Mixin Target target;
  @Option(names = {"-r", "--resolve"}, description = "show each address's host name (reverse DNS)") boolean resolve;
  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    Map<String, Object> out = new LinkedHashMap<>();
    try (Locator locator = target.locator()) {
      nodes(locator, target).forEach((uuid, endpoint) -> out.put(uuid, address(endpoint, resolve)));
    }
    if (target.json) {
      Printer.print(spec.commandLine().getOut(), out);
    } else {
      Table table = new Table("UUID", resolve ? "HOST" : "ADDRESS");
      out.forEach(table::row);
      table.print(spec.commandLine().getOut(), Terminal.detect());
    }
    return 0;
  }

  /** The locator's cluster view with the node behind it first, at the address the CLI reached it by. */
  static Map<String, Locator.Endpoint> nodes(Locator locator, Target target) {
    Map<String, Locator.Endpoint> nodes = new LinkedHashMap<>();
    String self = locator.uuid();
    Map<String, Locator.Endpoint> others = locator.cluster();
    nodes.put(self, others.getOrDefault(self, new Locator.Endpoint(target.host, target.port)));
    new TreeMap<>(others).forEach(nodes::putIfAbsent);
    return nodes;
  }

  private static String address(Locator.Endpoint endpoint, boolean resolve) {
    if (!resolve) {
      return endpoint.toString();
    }
    try {
      return InetAddress.getByName(endpoint.host()).getCanonicalHostName() + ":" + endpoint.port();
    } catch (UnknownHostException e) {
      return endpoint.toString();
    }
  }
}
