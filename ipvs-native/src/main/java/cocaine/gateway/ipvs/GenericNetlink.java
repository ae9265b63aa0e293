package cocaine.gateway.ipvs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Generic netlink messages (linux/netlink.h, linux/genetlink.h): a request is an nlmsghdr, a
 * genlmsghdr and attributes (TLVs padded to 4 bytes, host byte order headers); the kernel answers
 * with messages of the family and an NLMSG_ERROR carrying 0 (the ack) or -errno.
 */
final class GenericNetlink {
  static final int GENL_ID_CTRL = 0x10;
  static final int CTRL_CMD_GETFAMILY = 3;
  static final int CTRL_ATTR_FAMILY_ID = 1;
  static final int CTRL_ATTR_FAMILY_NAME = 2;
  static final int NLM_F_REQUEST = 0x1;
  static final int NLM_F_ACK = 0x4;
  static final int NLMSG_ERROR = 2;
  static final int NLMSG_DONE = 3;
  static final int HEADER = 16;
  static final int GENL_HEADER = 4;

  private GenericNetlink() {}

  /** Attributes of one message or of a nested attribute, in the order added. */
  static final class Attributes {
    private final ByteBuffer buf = ByteBuffer.allocate(4096).order(ByteOrder.nativeOrder());

    Attributes u16(int type, int value) {
      return put(type, b -> b.putShort((short) value), 2);
    }

    /** A u16 in network byte order (ports). */
    Attributes be16(int type, int value) {
      return put(type, b -> b.put((byte) (value >>> 8)).put((byte) value), 2);
    }

    Attributes u32(int type, long value) {
      return put(type, b -> b.putInt((int) value), 4);
    }

    Attributes bytes(int type, byte[] value) {
      return put(type, b -> b.put(value), value.length);
    }

    /** NUL-terminated. */
    Attributes string(int type, String value) {
      byte[] s = value.getBytes(StandardCharsets.US_ASCII);
      return bytes(type, Arrays.copyOf(s, s.length + 1));
    }

    Attributes nested(int type, Attributes inner) {
      return bytes(type, inner.toBytes());
    }

    byte[] toBytes() {
      return Arrays.copyOf(buf.array(), buf.position());
    }

    private Attributes put(int type, java.util.function.Consumer<ByteBuffer> payload, int length) {
      int start = buf.position();
      buf.putShort((short) (4 + length)).putShort((short) type);
      payload.accept(buf);
      while ((buf.position() - start) % 4 != 0) {
        buf.put((byte) 0);
      }
      return this;
    }
  }

  /** A request asking for an ack. */
  static byte[] request(int family, int cmd, int version, int seq, Attributes attributes) {
    byte[] attrs = attributes.toBytes();
    ByteBuffer b = ByteBuffer.allocate(HEADER + GENL_HEADER + attrs.length).order(ByteOrder.nativeOrder());
    b.putInt(b.capacity()).putShort((short) family).putShort((short) (NLM_F_REQUEST | NLM_F_ACK)).putInt(seq).putInt(0);
    b.put((byte) cmd).put((byte) version).putShort((short) 0);
    b.put(attrs);
    return b.array();
  }

  /**
   * One message of a reply.
   *
   * @param error for NLMSG_ERROR: 0 (ack) or a positive errno; else 0
   * @param attributes the genl attributes by type (NLMSG_ERROR and DONE have none)
   */
  record Reply(int type, int seq, int error, Map<Integer, byte[]> attributes) {}

  /** The messages of one datagram. */
  static List<Reply> parse(byte[] datagram, int length) {
    List<Reply> out = new ArrayList<>();
    ByteBuffer b = ByteBuffer.wrap(datagram, 0, length).order(ByteOrder.nativeOrder());
    while (b.remaining() >= HEADER) {
      int start = b.position();
      int len = b.getInt();
      int type = Short.toUnsignedInt(b.getShort());
      b.getShort(); // flags
      int seq = b.getInt();
      b.getInt(); // port id
      if (len < HEADER || start + len > length) {
        throw new NetlinkException(0, "malformed netlink message (length " + len + ")");
      }
      if (type == NLMSG_ERROR) {
        out.add(new Reply(type, seq, -b.getInt(), Map.of()));
      } else if (type == NLMSG_DONE) {
        out.add(new Reply(type, seq, 0, Map.of()));
      } else {
        b.position(start + HEADER + GENL_HEADER);
        out.add(new Reply(type, seq, 0, attributes(b, start + len)));
      }
      b.position(Math.min(length, start + ((len + 3) & ~3)));
    }
    return out;
  }

  private static Map<Integer, byte[]> attributes(ByteBuffer b, int end) {
    Map<Integer, byte[]> attrs = new HashMap<>();
    while (b.position() + 4 <= end) {
      int start = b.position();
      int len = Short.toUnsignedInt(b.getShort());
      int type = Short.toUnsignedInt(b.getShort()) & 0x3fff; // without the nested/byte-order flags
      if (len < 4 || start + len > end) {
        break;
      }
      byte[] value = new byte[len - 4];
      b.get(value);
      attrs.put(type, value);
      b.position(Math.min(end, start + ((len + 3) & ~3)));
    }
    return attrs;
  }

  static int u16(byte[] value) {
    return Short.toUnsignedInt(ByteBuffer.wrap(value).order(ByteOrder.nativeOrder()).getShort());
  }
}
