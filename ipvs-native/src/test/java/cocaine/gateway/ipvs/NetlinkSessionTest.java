package cocaine.gateway.ipvs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.config.NetworkSettings;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The JNI shim and generic netlink against this machine's kernel (no root needed to resolve families). */
class NetlinkSessionTest {
  @Test
  void theShimTalksToTheKernelsGenericNetlinkController() {
    try (NetlinkSession session = NetlinkSession.open(5000)) {
      assertEquals(GenericNetlink.GENL_ID_CTRL, session.family("nlctrl"));
      NetlinkException missing = assertThrows(NetlinkException.class, () -> session.family("no-such-family"));
      assertEquals(Ipvs.ENOENT, missing.errno);
      assertEquals(GenericNetlink.GENL_ID_CTRL, session.family("nlctrl"), "the session goes on after an error");
    }
  }

  @Test
  void withoutIpvsInTheKernelTheGatewayRefusesToStartWithAClearReason() throws Exception {
    // a family no kernel has stands for a kernel without ip_vs, whatever this machine's kernel has
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> IpvsGateway.open(new IpvsSettings(
        (Inet4Address) InetAddress.getByName("127.0.0.1"), new NetworkSettings.PortRange(30000, 30100), "wlc", 1, true,
        Duration.ofSeconds(5), 16), "COCAINE_NO_SUCH"));
    assertTrue(e.getMessage().contains("the kernel has no IPVS") && e.getMessage().contains("userspace"), e.getMessage());
  }
}
