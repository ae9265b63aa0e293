package cocaine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;

/**
 * {@link ClusterScenario} through the nftables gateway: the balancer DNATs (and masquerades) the
 * virtual endpoint to the nodes with real nftables rules in its namespace, and the table itself is
 * checked to hold exactly the live nodes' reals.
 */
@Tag("netns")
@Tag("nftables")
class NftablesGatewayIT extends ClusterScenario {
  private static final Pattern REAL = Pattern.compile("(\\d+\\.\\d+\\.\\d+\\.\\d+) \\. \\d+");

  NftablesGatewayIT() {
    super("clusternf", "10.79.6");
  }

  @Override
  String gatewayConfig() {
    return String.join("\n",
        "cocaine.balancer.gateway = nftables",
        // virtual ports come from this range; the namespace's ports are its own
        "cocaine.network.shared-ports = [30000, 30100]");
  }

  @Override
  void assertGatewayRoutesTo(Set<String> nodeAddresses) throws Exception {
    String table = inNamespace("lb", List.of("nft", "list", "table", "ip", "cocaine"));
    Set<String> reals = new TreeSet<>();
    Matcher m = REAL.matcher(table);
    while (m.find()) {
      reals.add(m.group(1));
    }
    assertEquals(new TreeSet<>(nodeAddresses), reals, "DNAT targets in the nftables table:\n" + table);
  }
}
