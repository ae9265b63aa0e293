package cocaine.gateway.ipvs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class GenericNetlinkTest {
  static Inet4Address v4(String a) throws Exception {
    return (Inet4Address) InetAddress.getByName(a);
  }

  @Test
  void newDestinationIsTheKernelsNestedLayout() throws Exception {
    byte[] msg = GenericNetlink.request(0x1d, Ipvs.CMD_NEW_DEST, Ipvs.VERSION, 7,
        Ipvs.newDestination(v4("10.0.1.1"), 30000, v4("10.0.2.2"), 5000, 1));
    // little-endian headers as on x86: nlmsghdr(len, type 0x1d, flags REQUEST|ACK, seq 7, pid 0), genlmsghdr(cmd 5, v1)
    String expected = ""
        + "84000000" + "1d00" + "0500" + "07000000" + "00000000"
        + "05" + "01" + "0000"
        + "3000" + "0100"                       // ATTR_SERVICE, nested, 48 bytes
        + "0600" + "0100" + "0200" + "0000"     //   AF = AF_INET
        + "0600" + "0200" + "0600" + "0000"     //   PROTOCOL = TCP
        + "1400" + "0300" + "0a000101" + "000000000000000000000000" // ADDR 10.0.1.1 in 16 bytes
        + "0600" + "0400" + "7530" + "0000"     //   PORT 30000, network order
        + "4000" + "0200"                       // ATTR_DEST, nested, 64 bytes
        + "1400" + "0100" + "0a000202" + "000000000000000000000000" // ADDR 10.0.2.2
        + "0600" + "0200" + "1388" + "0000"     //   PORT 5000, network order
        + "0800" + "0300" + "00000000"          //   FWD_METHOD masquerade
        + "0800" + "0400" + "01000000"          //   WEIGHT 1
        + "0800" + "0500" + "00000000"          //   U_THRESH
        + "0800" + "0600" + "00000000";         //   L_THRESH
    if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
      assertEquals(expected, HexFormat.of().formatHex(msg));
    }
    assertEquals(msg.length, ByteBuffer.wrap(msg).order(ByteOrder.nativeOrder()).getInt(0));
  }

  @Test
  void newServiceCarriesTheFullEntryTheKernelRequires() throws Exception {
    byte[] attrs = Ipvs.newService(v4("10.0.1.1"), 30000, "wlc").toBytes();
    String hex = HexFormat.of().formatHex(attrs);
    assertTrue(hex.contains("0800" + "0600" + "776c6300"), "scheduler \"wlc\\0\": " + hex);
    assertTrue(hex.contains("0c00" + "0700" + "00000000" + "ffffffff"), "flags {0, ~0}: " + hex);
    assertTrue(hex.contains("0800" + "0900" + "ffffffff"), "netmask: " + hex);
    assertEquals(0, attrs.length % 4);
  }

  @Test
  void repliesAreReadAsAcksErrorsAndAttributes() {
    ByteBuffer b = ByteBuffer.allocate(40 + 36).order(ByteOrder.nativeOrder());
    // a family reply: CTRL_ATTR_FAMILY_ID = 0x1d, CTRL_ATTR_FAMILY_NAME = "IPVS"
    b.putInt(40).putShort((short) 0x10).putShort((short) 0).putInt(3).putInt(0);
    b.put((byte) 1).put((byte) 2).putShort((short) 0);
    b.putShort((short) 6).putShort((short) 1).putShort((short) 0x1d).putShort((short) 0);
    b.putShort((short) 9).putShort((short) 2).put("IPVS".getBytes()).put((byte) 0).put(new byte[3]);
    // an error: -ENOENT for seq 3
    b.putInt(36).putShort((short) GenericNetlink.NLMSG_ERROR).putShort((short) 0).putInt(3).putInt(0);
    b.putInt(-2).put(new byte[16]);
    List<GenericNetlink.Reply> replies = GenericNetlink.parse(b.array(), b.position());
    assertEquals(2, replies.size());
    assertEquals(0x1d, GenericNetlink.u16(replies.get(0).attributes().get(GenericNetlink.CTRL_ATTR_FAMILY_ID)));
    assertArrayEquals("IPVS\0".getBytes(), replies.get(0).attributes().get(GenericNetlink.CTRL_ATTR_FAMILY_NAME));
    assertEquals(2, replies.get(1).error());
    assertEquals(3, replies.get(1).seq());
    assertThrows(NetlinkException.class, () -> GenericNetlink.parse(new byte[] {(byte) 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0}, 16));
  }
}
