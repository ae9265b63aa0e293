package cocaine.rpc;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens on a TCP port and serves every accepted connection with one {@link Service}; a client
 * address holding {@code maxConnectionsPerClient} connections already has its next one closed.
 */
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
    ClientCounts clients = new ClientCounts(settings.maxConnectionsPerClient());
    return Tcp.get(system).bind(host, port)
        .to(Sink.foreach(connection -> {
          String peer = text(connection.remoteAddress());
          InetAddress address = connection.remoteAddress().getAddress();
          if (!clients.admit(address)) {
            if (clients.firstRefusal(address)) {
              log.warn("'{}' refused a connection from {}: that address holds {} connections already (limit "
                  + "cocaine.network.max-connections-per-client); later refusals are not logged until it is below",
                  service.name(), peer, settings.maxConnectionsPerClient());
            }
            connection.handleWith(Flow.fromSinkAndSource(Sink.cancelled(), Source.empty()), system);
            return;
          }
          long id = ServerConnection.nextConnectionId();
          log.debug("'{}' accepted connection {} from {}", service.name(), id, peer);
          var flow = ServerConnection.flow(service, settings, id, peer)
              .watchTermination((mat, done) -> {
                done.whenComplete((d, e) -> clients.release(address));
                return mat;
              });
          connection.handleWith(connections == null ? flow : flow.via(connections.flow()), system);
        }))
        .run(system);
  }

  /** Open connections per client address of one listening port; addresses at the limit are refused. */
  private static final class ClientCounts {
    private final int limit;
    private final ConcurrentHashMap<InetAddress, Integer> open = new ConcurrentHashMap<>();
    private final Set<InetAddress> refusing = ConcurrentHashMap.newKeySet();

    ClientCounts(int limit) {
      this.limit = limit;
    }

    boolean admit(InetAddress address) {
      boolean[] admitted = new boolean[1];
      open.compute(address, (a, n) -> {
        int now = n == null ? 0 : n;
        admitted[0] = now < limit;
        return admitted[0] ? now + 1 : n;
      });
      return admitted[0];
    }

    /** True for the first refusal since the address was last below its limit: that one is logged. */
    boolean firstRefusal(InetAddress address) {
      return refusing.add(address);
    }

    void release(InetAddress address) {
      open.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
      refusing.remove(address);
    }
  }

  /** "127.0.0.1:53412" or "[::1]:53412". */
  static String text(InetSocketAddress address) {
    String host = address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
  }
}
