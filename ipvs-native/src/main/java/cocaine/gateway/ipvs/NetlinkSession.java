package cocaine.gateway.ipvs;

import java.util.List;

/**
 * Requests over one generic netlink socket, one at a time: sends a request and reads until the
 * kernel's ack or error for it. Not thread-safe.
 */
final class NetlinkSession implements AutoCloseable {
  private static final int BUFFER = 64 * 1024;

  private final Netlink socket;
  private final int timeoutMillis;
  private final byte[] buffer = new byte[BUFFER];
  private int seq;

  NetlinkSession(Netlink socket, int timeoutMillis) {
    this.socket = socket;
    this.timeoutMillis = timeoutMillis;
  }

  static NetlinkSession open(int timeoutMillis) {
    return new NetlinkSession(Netlink.socket(Netlink.GENERIC), timeoutMillis);
  }

  /**
   * The id of a generic netlink family.
   *
   * @throws NetlinkException with errno ENOENT (2) when the kernel has no such family
   */
  int family(String name) {
    List<GenericNetlink.Reply> replies = call(GenericNetlink.GENL_ID_CTRL, GenericNetlink.CTRL_CMD_GETFAMILY, 1,
        new GenericNetlink.Attributes().string(GenericNetlink.CTRL_ATTR_FAMILY_NAME, name));
    for (GenericNetlink.Reply r : replies) {
      byte[] id = r.attributes().get(GenericNetlink.CTRL_ATTR_FAMILY_ID);
      if (id != null) {
        return GenericNetlink.u16(id);
      }
    }
    throw new NetlinkException(0, "the kernel answered without a family id for '" + name + "'");
  }

  /** Sends one request; returns the messages before the ack, or throws the kernel's error. */
  List<GenericNetlink.Reply> call(int family, int cmd, int version, GenericNetlink.Attributes attributes) {
    int id = ++seq;
    socket.send(GenericNetlink.request(family, cmd, version, id, attributes));
    List<GenericNetlink.Reply> collected = new java.util.ArrayList<>();
    while (true) {
      int n = socket.receive(buffer, timeoutMillis);
      if (n < 0) {
        throw new NetlinkException(Netlink.EAGAIN, "the kernel did not answer within " + timeoutMillis + " ms");
      }
      for (GenericNetlink.Reply r : GenericNetlink.parse(buffer, n)) {
        if (r.seq() != id) {
          continue; // the answer to an earlier request that timed out
        }
        if (r.type() == GenericNetlink.NLMSG_ERROR) {
          if (r.error() != 0) {
            throw new NetlinkException(r.error(), Netlink.describe(r.error()));
          }
          return collected;
        }
        collected.add(r);
      }
    }
  }

  @Override
  public void close() {
    socket.close();
  }
}
