package cocaine.node.isolate.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class LocatorRouteTest {
  static SortedMap<String, String> argv(String locator) {
    TreeMap<String, String> args = new TreeMap<>();
    args.put("app", "echo");
    args.put("locator", locator);
    return args;
  }

  @Test
  void aLoopbackLocatorBecomesTheBridgeGatewayAndOtherHostsStay() {
    assertEquals("172.17.0.1:10053", LocatorRoute.forContainer(argv("127.0.0.1:10053"), "172.17.0.1").get("locator"));
    assertEquals("172.17.0.1:1,10.0.0.5:2,172.17.0.1:3",
        LocatorRoute.forContainer(argv("localhost:1,10.0.0.5:2,[::1]:3"), "172.17.0.1").get("locator"));
    assertEquals("echo", LocatorRoute.forContainer(argv("127.0.0.1:10053"), "172.17.0.1").get("app"));
  }

  @Test
  void hostNetworkingOrNoGatewayKeepsTheArgvAsItIs() {
    SortedMap<String, String> args = argv("127.0.0.1:10053");
    assertSame(args, LocatorRoute.forContainer(args, null));
  }

  @Test
  void theGatewayIsTheReportedOneElseTheSubnetsFirstAddress() {
    assertEquals("172.17.0.1", LocatorRoute.gatewayOf("172.17.0.1", "172.17.0.0/16"));
    assertEquals("172.17.0.1", LocatorRoute.gatewayOf("", "172.17.0.0/16"));
    assertEquals("172.18.0.1", LocatorRoute.gatewayOf(null, "172.18.0.0/16"));
    assertEquals("10.1.2.129", LocatorRoute.gatewayOf(null, "10.1.2.130/25"));
    assertEquals("172.17.0.1", LocatorRoute.gatewayOf("fd00::1", "172.17.0.0/16"));
    assertEquals(null, LocatorRoute.gatewayOf(null, "fd00::/64"));
    assertEquals(null, LocatorRoute.gatewayOf(null, "300.1.1.0/24"));
    assertEquals(null, LocatorRoute.gatewayOf(null, "10.0.0.0/31"));
    assertEquals(null, LocatorRoute.gatewayOf("", ""));
  }
}
