package cocaine.rpc.transport;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;

/**
 * The listening ports of this process that a client of the same process reaches without a socket:
 * a server registers each port it binds, and a client connecting to that address joins its side of
 * the connection to the server's in one stream instead of two ends of a loopback socket. Only the
 * socket goes: frames are still encoded and decoded and the server applies the limits it applies
 * to a TCP connection. With {@code --role all} the HTTP proxy's pools reach the apps of their own node
 * this way (docs/design.md, the HTTP proxy's request path). Off unless the process turns it on
 * ({@code cocaine.network.in-process}); addresses that are not IP literals always go over TCP.
 */
public final class InProcess {
  private static final ConcurrentHashMap<InetSocketAddress, Port> PORTS = new ConcurrentHashMap<>();
  private static volatile boolean enabled;

  private InProcess() {}

  /**
   * One registered port.
   *
   * @param system where its in-process connections run, as its TCP connections do: they end with it
   * @param serve  the server's side of one more connection: bytes from the client in, bytes to it out
   */
  public record Port(ActorSystem<?> system, Supplier<Flow<ByteString, ByteString, ?>> serve) {}

  /** Turns in-process connections on or off for connections made from now on. */
  public static void useForProcess(boolean on) {
    enabled = on;
  }

  /** Registers the port bound at {@code local}; the action returned takes it back (the port is unbound). */
  public static Runnable listen(InetSocketAddress local, Port port) {
    PORTS.put(local, port);
    return () -> PORTS.remove(local, port);
  }

  /**
   * The port of this process listening at {@code host:port}, when in-process connections are on and
   * {@code host} is an IP literal: the address itself, or a wildcard bind when it is a loopback one.
   */
  public static Optional<Port> find(String host, int port) {
    if (!enabled || !literal(host)) {
      return Optional.empty();
    }
    InetAddress address;
    try {
      address = InetAddress.getByName(host); // a literal: no lookup
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
    Port found = PORTS.get(new InetSocketAddress(address, port));
    if (found == null && address.isLoopbackAddress()) {
      found = PORTS.get(new InetSocketAddress(port));
    }
    return Optional.ofNullable(found);
  }

  private static boolean literal(String host) {
    if (host.isEmpty()) {
      return false;
    }
    if (host.indexOf(':') >= 0) {
      return true; // IPv6, bracketed or not
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (c != '.' && (c < '0' || c > '9')) {
        return false;
      }
    }
    return true;
  }
}
