package cocaine.rpc.service;

import cocaine.rpc.transport.AcceptLoop;
import cocaine.rpc.transport.ConnectionSettings;
import cocaine.rpc.transport.InProcess;
import cocaine.rpc.transport.SelectorLoop;
import cocaine.rpc.transport.SocketStage;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.jdk.javaapi.FutureConverters;
import scala.runtime.BoxedUnit;

/**
 * Listens on a TCP port and serves every accepted connection with one {@link Service}; a client
 * address holding {@code maxConnectionsPerClient} connections already has its next one closed.
 * Each connection is a non-blocking socket read and written by its own stream ({@link SocketStage}),
 * as on the unix sockets: Pekko IO's actor per connection cost a message per read and per write.
 */
public final class Server {
  private static final Logger log = LoggerFactory.getLogger(Server.class);
  /** The most one read takes; the buffer belongs to the stream's thread, not to the connection. */
  private static final int READ_BYTES = 64 * 1024;
  /** Replies gathered for one write before the connection stops taking more until it is written. */
  private static final int WRITE_BYTES = 64 * 1024;
  /** Connections the kernel completes while the acceptor is busy, as Pekko IO's default. */
  private static final int BACKLOG = 100;
  /** {@link ChannelContext#peer()} of a connection from this process. */
  public static final String IN_PROCESS_PEER = "in-process";
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
    String what = "'" + service.name() + "'";
    ServerSocketChannel server;
    Listener listener;
    try {
      server = AcceptLoop.listen(what, host, port, BACKLOG);
    } catch (BindException e) {
      return CompletableFuture.failedFuture(e);
    }
    try {
      listener = new Listener(system, server, SelectorLoop.shared(), service, settings, connections);
      listener.start();
    } catch (IOException e) {
      closeQuietly(server);
      return CompletableFuture.failedFuture(AcceptLoop.cannotListen(what, host, port, e));
    }
    // as with Pekko IO, whose listener was an actor of the system: the port closes with the system;
    // weakly, so that the system does not keep every unbound listener (an app's, per start) till then
    WeakReference<Listener> open = new WeakReference<>(listener);
    system.getWhenTerminated().thenRun(() -> {
      Listener l = open.get();
      if (l != null) {
        l.unbind();
      }
    });
    return CompletableFuture.completedFuture(listener.binding());
  }

  /** One listening port: its accepting (on the shared selector) hands each connection to a stream of its own. */
  private static final class Listener {
    private final ActorSystem<?> system;
    private final ServerSocketChannel server;
    private final InetSocketAddress local;
    private final SelectorLoop loop;
    private final Service service;
    private final ConnectionSettings settings;
    private final SharedKillSwitch connections;
    private final ClientCounts clients;
    private volatile AcceptLoop accepting;
    private volatile Runnable unlisten = () -> { };

    Listener(ActorSystem<?> system, ServerSocketChannel server, SelectorLoop loop, Service service,
        ConnectionSettings settings, SharedKillSwitch connections) throws IOException {
      this.system = system;
      this.server = server;
      this.local = (InetSocketAddress) server.getLocalAddress();
      this.loop = loop;
      this.service = service;
      this.settings = settings;
      this.connections = connections;
      this.clients = new ClientCounts(settings.maxConnectionsPerClient());
    }

    Tcp.ServerBinding binding() {
      scala.Function0<scala.concurrent.Future<BoxedUnit>> unbindAction =
          () -> FutureConverters.asScala(unbind().thenApply(d -> BoxedUnit.UNIT));
      CompletionStage<Done> unbound = accepting.closed().thenApply(v -> Done.getInstance());
      return new Tcp.ServerBinding(new org.apache.pekko.stream.scaladsl.Tcp.ServerBinding(local, unbindAction,
          FutureConverters.asScala(unbound)));
    }

    void start() throws IOException {
      accepting = AcceptLoop.start(server, loop, "'" + service.name() + "' on " + text(local),
          system.executionContext(), this::serve);
      unlisten = InProcess.listen(local, new InProcess.Port(system, this::serveInProcess));
    }

    /** Stops accepting and closes the port (it may be bound again once this completes); connections go on. */
    CompletionStage<Done> unbind() {
      unlisten.run();
      return accepting.close().thenApply(v -> {
        log.debug("'{}' stopped listening on {}", service.name(), text(local));
        return Done.getInstance();
      });
    }

    /**
     * The server's side of a connection from this process ({@link InProcess}): served as an accepted
     * one, but not counted against a client address (there is no remote client to hold sockets).
     */
    private Flow<ByteString, ByteString, ?> serveInProcess() {
      long id = ServerConnection.nextConnectionId();
      log.debug("'{}' accepted connection {} in-process", service.name(), id);
      return serverSide(id, IN_PROCESS_PEER);
    }

    /** One connection's server side, ended by the port's {@code connections} switch when it has one. */
    private Flow<ByteString, ByteString, ?> serverSide(long id, String peer) {
      Flow<ByteString, ByteString, ?> flow = ServerConnection.flow(service, settings, id, peer);
      return connections != null ? flow.via(connections.flow()) : flow;
    }

    private void serve(SocketChannel socket) {
      InetSocketAddress remote;
      try {
        socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
        remote = (InetSocketAddress) socket.getRemoteAddress();
      } catch (IOException e) {
        log.debug("'{}' lost a connection as it was accepted: {}", service.name(), e.toString());
        closeQuietly(socket);
        return;
      }
      String peer = text(remote);
      InetAddress address = remote.getAddress();
      if (!clients.admit(address)) {
        if (clients.firstRefusal(address)) {
          log.warn("'{}' refused a connection from {}: that address holds {} connections already (limit "
              + "cocaine.network.max-connections-per-client); later refusals are not logged until it is below",
              service.name(), peer, settings.maxConnectionsPerClient());
        }
        closeQuietly(socket);
        return;
      }
      long id = ServerConnection.nextConnectionId();
      log.debug("'{}' accepted connection {} from {}", service.name(), id, peer);
      AtomicBoolean released = new AtomicBoolean();
      Runnable release = () -> {
        if (released.compareAndSet(false, true)) {
          clients.release(address);
        }
      };
      try {
        serverSide(id, peer)
            .watchTermination((mat, done) -> {
              done.whenComplete((d, e) -> release.run());
              return mat;
            })
            .join(Flow.fromGraph(new SocketStage(socket, loop, peer, READ_BYTES, WRITE_BYTES))).run(system);
      } catch (RuntimeException e) { // the system is shutting down, say
        log.warn("'{}' cannot serve connection {} from {}: {}", service.name(), id, peer, e.toString());
        release.run();
        closeQuietly(socket);
      }
    }
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

  private static void closeQuietly(java.nio.channels.Channel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      log.debug("closing {}: {}", channel, e.toString());
    }
  }
}
