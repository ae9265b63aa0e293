package cocaine.rpc.transport;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The accepting of a listening socket (TCP or unix) on the process's shared {@link SelectorLoop}: no
 * thread of its own, so a node's threads do not grow with its apps' ports and worker sockets. Each
 * round takes what the kernel has queued and hands every connection to {@code serve} on an executor
 * (the selector thread only moves bytes). A failing accept (no file descriptors left, say) fails
 * again at once, so it is logged once and retried every {@value #RETRY_MILLIS} ms, and logged again
 * once it works.
 */
public final class AcceptLoop {
  static final long RETRY_MILLIS = 100;
  /** Connections taken in one round before the other sockets of the selector get their turn. */
  private static final int PER_ROUND = 64;
  private static final Logger log = LoggerFactory.getLogger(AcceptLoop.class);

  private final ServerSocketChannel server;
  private final SelectorLoop loop;
  private final String what;
  private final Executor serveOn;
  private final Consumer<SocketChannel> serve;
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private volatile SelectionKey key;
  private volatile boolean closing;
  /** Only the selector thread reads and writes it. */
  private boolean failing;

  private AcceptLoop(ServerSocketChannel server, SelectorLoop loop, String what, Executor serveOn,
      Consumer<SocketChannel> serve) {
    this.server = server;
    this.loop = loop;
    this.what = what;
    this.serveOn = serveOn;
    this.serve = serve;
  }

  /**
   * A TCP socket listening at {@code host:port} (0: a free port), with {@code SO_REUSEADDR} so a
   * restarted process binds its fixed port again while the last one's connections are in TIME_WAIT.
   *
   * @param what names the listener in the failure, e.g. {@code 'echo'} or {@code HTTP proxy}
   * @throws BindException "{@code what} cannot listen on host:port: why" (an unknown host too)
   */
  public static ServerSocketChannel listen(String what, String host, int port, int backlog) throws BindException {
    ServerSocketChannel server = null;
    try {
      server = ServerSocketChannel.open();
      server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      server.bind(new InetSocketAddress(host, port), backlog);
      return server;
    } catch (IOException | IllegalArgumentException e) { // an unresolved host or a port out of range, too
      if (server != null) {
        try {
          server.close();
        } catch (IOException ignored) {
          // failing anyway
        }
      }
      throw cannotListen(what, host, port, e);
    }
  }

  /** The failure {@link #listen} throws, for a listener that fails after it was bound. */
  public static BindException cannotListen(String what, String host, int port, Exception cause) {
    BindException failure = new BindException(what + " cannot listen on " + host + ":" + port + ": "
        + (cause instanceof UnresolvedAddressException ? "unknown host" : cause.getMessage()));
    failure.initCause(cause);
    return failure;
  }

  /**
   * Starts accepting on {@code server} (bound; made non-blocking here) until {@link #close}.
   *
   * @param what    names the socket in log lines, e.g. "'echo' on 127.0.0.1:4000"
   * @param serveOn runs {@code serve} for each accepted connection
   * @throws IOException when the socket cannot be registered with the selector
   */
  public static AcceptLoop start(ServerSocketChannel server, SelectorLoop loop, String what, Executor serveOn,
      Consumer<SocketChannel> serve) throws IOException {
    AcceptLoop a = new AcceptLoop(server, loop, what, serveOn, serve);
    server.configureBlocking(false);
    a.key = loop.register(server, ops -> a.accept());
    loop.interest(a.key, SelectionKey.OP_ACCEPT);
    return a;
  }

  /**
   * Stops accepting and closes the socket; completes once its descriptor is released, so the port
   * may be bound again. Connections accepted so far go on.
   */
  public CompletionStage<Void> close() {
    if (!closing) {
      closing = true;
      loop.release(key, server, () -> closed.complete(null));
    }
    return closed;
  }

  /** Completes once {@link #close} has released the socket. */
  public CompletionStage<Void> closed() {
    return closed;
  }

  // On the selector thread: the kernel has connections queued.
  private void accept() {
    for (int i = 0; i < PER_ROUND && !closing; i++) {
      SocketChannel socket;
      try {
        socket = server.accept();
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        if (!failing) {
          log.warn("{} cannot accept connections: {}; retrying every {} ms, logged again once it works", what,
              e.toString(), RETRY_MILLIS);
          failing = true;
        }
        CompletableFuture.delayedExecutor(RETRY_MILLIS, TimeUnit.MILLISECONDS)
            .execute(() -> loop.interest(key, SelectionKey.OP_ACCEPT));
        return;
      }
      if (socket == null) {
        break;
      }
      if (failing) {
        log.info("{} accepts connections again", what);
        failing = false;
      }
      hand(socket);
    }
    loop.interest(key, SelectionKey.OP_ACCEPT);
  }

  private void hand(SocketChannel socket) {
    try {
      serveOn.execute(() -> serve.accept(socket));
    } catch (RejectedExecutionException e) { // the system is shutting down
      log.debug("{} cannot serve a connection: {}", what, e.toString());
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }
}
