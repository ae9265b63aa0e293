package cocaine.gateway.ipvs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A raw netlink socket through the JNI shim {@code libcocaine-netlink.so} shipped in this jar
 * (src/main/c/netlink.c). Not thread-safe: one owner sends and receives.
 */
final class Netlink implements AutoCloseable {
  /** NETLINK_GENERIC. */
  static final int GENERIC = 16;
  static final int EAGAIN = 11;

  private static Throwable loadFailure;
  private static boolean loaded;

  private final int fd;
  private boolean closed;

  private Netlink(int fd) {
    this.fd = fd;
  }

  static native int open(int protocol);

  static native int send(int fd, byte[] message, int length);

  static native int receive(int fd, byte[] buffer, int timeoutMillis);

  static native void close(int fd);

  static native String describe(int errno);

  /**
   * Loads the shim once (from the jar, via a temporary file).
   *
   * @throws NetlinkException saying why it cannot be used here
   */
  static synchronized void load() {
    if (loaded) {
      return;
    }
    if (loadFailure != null) {
      throw new NetlinkException(0, "the netlink shim did not load: " + loadFailure.getMessage());
    }
    String resource = "/native/" + System.getProperty("os.arch") + "/libcocaine-netlink.so";
    try (InputStream in = Netlink.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException(resource + " is not in the jar (built for another platform, or without gcc)");
      }
      Path tmp = Files.createTempFile("cocaine-netlink", ".so");
      tmp.toFile().deleteOnExit();
      Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      System.load(tmp.toAbsolutePath().toString());
      loaded = true;
    } catch (IOException | UnsatisfiedLinkError e) {
      loadFailure = e;
      throw new NetlinkException(0, "the netlink shim did not load: " + e.getMessage());
    }
  }

  /** A socket of the protocol, bound with a kernel-assigned port id. */
  static Netlink socket(int protocol) {
    load();
    int fd = open(protocol);
    if (fd < 0) {
      throw new NetlinkException(-fd, "cannot open a netlink socket: " + describe(-fd));
    }
    return new Netlink(fd);
  }

  void send(byte[] message) {
    int n = send(fd, message, message.length);
    if (n < 0) {
      throw new NetlinkException(-n, "netlink send failed: " + describe(-n));
    }
  }

  /** One datagram into buffer; its length, or -1 when nothing came within the timeout. */
  int receive(byte[] buffer, int timeoutMillis) {
    int n = receive(fd, buffer, timeoutMillis);
    if (n == -EAGAIN) {
      return -1;
    }
    if (n < 0) {
      throw new NetlinkException(-n, "netlink receive failed: " + describe(-n));
    }
    return n;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      close(fd);
    }
  }
}
