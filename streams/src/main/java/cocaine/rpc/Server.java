package cocaine.rpc;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Tcp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Listens on a TCP port and serves every accepted connection with one {@link Service}. */
public final class Server {
  private static final Logger log = LoggerFactory.getLogger(Server.class);

  private Server() {}

  /**
   * Binds {@code host:port} (port 0 picks a free one: read it from the binding's {@code localAddress()}).
   * The stage fails when the address cannot be bound; {@code unbind()} stops accepting and leaves
   * open connections running.
   */
  public static CompletionStage<Tcp.ServerBinding> bind(ActorSystem<?> system, String host, int port, Service service,
      ConnectionSettings settings) {
    return bind(system, host, port, service, settings, null);
  }

  /**
   * Like {@link #bind(ActorSystem, String, int, Service, ConnectionSettings)}, and {@code connections.shutdown()}
   * closes every connection accepted so far: a stopped app's clients (the proxy's pools) then see the
   * close and resolve again, instead of sending to a service that is gone.
   */
  public static CompletionStage<Tcp.ServerBinding> bind(ActorSystem<?> system, String host, int port, Service service,
      ConnectionSettings settings, SharedKillSwitch connections) {
    return Tcp.get(system).bind(host, port)
        .to(Sink.foreach(connection -> {
          String peer = text(connection.remoteAddress());
          long id = ServerConnection.nextConnectionId();
          log.debug("'{}' accepted connection {} from {}", service.name(), id, peer);
          var flow = ServerConnection.flow(service, settings, id, peer);
          connection.handleWith(connections == null ? flow : flow.via(connections.flow()), system);
        }))
        .run(system);
  }

  /** "127.0.0.1:53412" or "[::1]:53412". */
  static String text(InetSocketAddress address) {
    String host = address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
  }
}
