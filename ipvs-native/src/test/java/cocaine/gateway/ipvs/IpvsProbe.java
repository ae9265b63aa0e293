package cocaine.gateway.ipvs;

import cocaine.config.NetworkSettings;
import cocaine.locator.Endpoint;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs inside the IPVS VM (scripts/ipvs-qemu.sh, driven by {@link IpvsGatewayIT}): programs the
 * kernel through {@link IpvsGateway} and prints what it did; the VM then lists the table with ipvsadm.
 * Leaves app "echo" with the reals of node-a and node-b, and nothing of "gone" or node-c.
 */
public final class IpvsProbe {
  private IpvsProbe() {}

  public static void main(String[] args) throws Exception {
    IpvsGateway gateway = IpvsGateway.open(new IpvsSettings((Inet4Address) InetAddress.getByName("10.99.0.1"),
        new NetworkSettings.PortRange(30000, 30010), "wlc", 1, true, Duration.ofSeconds(5), 16));
    get(gateway.addReal("echo", "node-a", List.of(new Endpoint("10.99.0.2", 5000))));
    get(gateway.addReal("echo", "node-b", List.of(new Endpoint("10.99.0.3", 5001))));
    get(gateway.addReal("echo", "node-c", List.of(new Endpoint("10.99.0.4", 5002))));
    get(gateway.removeReal("echo", "node-c"));
    get(gateway.addReal("echo", "node-b", List.of(new Endpoint("10.99.0.3", 5001)))); // again: an update, not an error
    get(gateway.addReal("gone", "node-a", List.of(new Endpoint("10.99.0.2", 6000))));
    get(gateway.removeService("gone"));
    System.out.println("PROBE resolve echo -> " + get(gateway.resolve("echo")));
    get(gateway.removeService("never-created"));
    System.out.println("PROBE done");
    System.exit(0);
  }

  private static <T> T get(java.util.concurrent.CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
