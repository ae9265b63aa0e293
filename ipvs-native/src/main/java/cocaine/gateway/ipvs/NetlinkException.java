package cocaine.gateway.ipvs;

/** A netlink call failed; {@code errno} is the kernel's error number (0 when not from the kernel). */
final class NetlinkException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  final int errno;

  NetlinkException(int errno, String message) {
    super(message);
    this.errno = errno;
  }
}
