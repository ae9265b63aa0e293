package cocaine.gateway.ipvs;

import java.net.Inet4Address;
import java.util.Arrays;

/**
 * IPVS commands over generic netlink (linux/ip_vs.h, family "IPVS" version 1), the subset the
 * gateway needs: IPv4 TCP virtual services and masquerading (NAT) destinations. Not thread-safe.
 */
final class Ipvs implements AutoCloseable {
  static final String FAMILY = "IPVS";
  static final int VERSION = 1;
  static final int CMD_NEW_SERVICE = 1;
  static final int CMD_DEL_SERVICE = 3;
  static final int CMD_NEW_DEST = 5;
  static final int CMD_SET_DEST = 6;
  static final int CMD_DEL_DEST = 7;
  static final int CMD_FLUSH = 17;
  static final int ATTR_SERVICE = 1;
  static final int ATTR_DEST = 2;
  static final int SVC_AF = 1;
  static final int SVC_PROTOCOL = 2;
  static final int SVC_ADDR = 3;
  static final int SVC_PORT = 4;
  static final int SVC_SCHED_NAME = 6;
  static final int SVC_FLAGS = 7;
  static final int SVC_TIMEOUT = 8;
  static final int SVC_NETMASK = 9;
  static final int DEST_ADDR = 1;
  static final int DEST_PORT = 2;
  static final int DEST_FWD_METHOD = 3;
  static final int DEST_WEIGHT = 4;
  static final int DEST_U_THRESH = 5;
  static final int DEST_L_THRESH = 6;
  static final int AF_INET = 2;
  static final int IPPROTO_TCP = 6;
  static final int FWD_MASQ = 0;
  static final int ENOENT = 2;
  static final int ESRCH = 3;
  static final int EEXIST = 17;

  private final NetlinkSession session;
  private final int family;

  private Ipvs(NetlinkSession session, int family) {
    this.session = session;
    this.family = family;
  }

  /**
   * @throws NetlinkException saying IPVS is missing when the kernel has no such family
   */
  static Ipvs open(int timeoutMillis) {
    return open(timeoutMillis, FAMILY);
  }

  /** Opens the generic netlink family {@code name} as IPVS (tests name one the kernel lacks). */
  static Ipvs open(int timeoutMillis, String name) {
    NetlinkSession session = NetlinkSession.open(timeoutMillis);
    try {
      return new Ipvs(session, session.family(name));
    } catch (NetlinkException e) {
      session.close();
      if (e.errno == ENOENT) {
        throw new NetlinkException(e.errno, "the kernel has no IPVS (modprobe ip_vs, or use another gateway)");
      }
      throw e;
    }
  }

  /** Removes every virtual service of the host, as the original gateway does at start. */
  void flush() {
    session.call(family, CMD_FLUSH, VERSION, new GenericNetlink.Attributes());
  }

  void addService(Inet4Address address, int port, String scheduler) {
    session.call(family, CMD_NEW_SERVICE, VERSION, newService(address, port, scheduler));
  }

  /** Deleting a missing service succeeds. */
  void deleteService(Inet4Address address, int port) {
    try {
      session.call(family, CMD_DEL_SERVICE, VERSION,
          new GenericNetlink.Attributes().nested(ATTR_SERVICE, service(address, port)));
    } catch (NetlinkException e) {
      if (e.errno != ESRCH) {
        throw e;
      }
    }
  }

  /** Adds the destination, or updates its weight when it exists. */
  void addDestination(Inet4Address address, int port, Inet4Address real, int realPort, int weight) {
    try {
      session.call(family, CMD_NEW_DEST, VERSION, newDestination(address, port, real, realPort, weight));
    } catch (NetlinkException e) {
      if (e.errno != EEXIST) {
        throw e;
      }
      session.call(family, CMD_SET_DEST, VERSION, newDestination(address, port, real, realPort, weight));
    }
  }

  /** Deleting a missing destination succeeds. */
  void deleteDestination(Inet4Address address, int port, Inet4Address real, int realPort) {
    try {
      session.call(family, CMD_DEL_DEST, VERSION, new GenericNetlink.Attributes()
          .nested(ATTR_SERVICE, service(address, port))
          .nested(ATTR_DEST, new GenericNetlink.Attributes().bytes(DEST_ADDR, addr16(real)).be16(DEST_PORT, realPort)));
    } catch (NetlinkException e) {
      if (e.errno != ENOENT && e.errno != ESRCH) {
        throw e;
      }
    }
  }

  /** The attributes of NEW_SERVICE: the full entry the kernel requires (scheduler, flags, timeout, netmask). */
  static GenericNetlink.Attributes newService(Inet4Address address, int port, String scheduler) {
    byte[] flags = new byte[8]; // struct ip_vs_flags {flags = 0, mask = ~0}
    java.nio.ByteBuffer.wrap(flags).order(java.nio.ByteOrder.nativeOrder()).putInt(0).putInt(-1);
    return new GenericNetlink.Attributes().nested(ATTR_SERVICE, service(address, port)
        .string(SVC_SCHED_NAME, scheduler)
        .bytes(SVC_FLAGS, flags)
        .u32(SVC_TIMEOUT, 0)
        .u32(SVC_NETMASK, 0xffffffffL));
  }

  static GenericNetlink.Attributes newDestination(Inet4Address address, int port, Inet4Address real, int realPort,
      int weight) {
    return new GenericNetlink.Attributes()
        .nested(ATTR_SERVICE, service(address, port))
        .nested(ATTR_DEST, new GenericNetlink.Attributes()
            .bytes(DEST_ADDR, addr16(real))
            .be16(DEST_PORT, realPort)
            .u32(DEST_FWD_METHOD, FWD_MASQ)
            .u32(DEST_WEIGHT, weight)
            .u32(DEST_U_THRESH, 0)
            .u32(DEST_L_THRESH, 0));
  }

  private static GenericNetlink.Attributes service(Inet4Address address, int port) {
    return new GenericNetlink.Attributes()
        .u16(SVC_AF, AF_INET)
        .u16(SVC_PROTOCOL, IPPROTO_TCP)
        .bytes(SVC_ADDR, addr16(address))
        .be16(SVC_PORT, port);
  }

  /** union nf_inet_addr: 16 bytes, an IPv4 address in the first 4. */
  static byte[] addr16(Inet4Address a) {
    return Arrays.copyOf(a.getAddress(), 16);
  }

  @Override
  public void close() {
    session.close();
  }
}
