package cocaine.rpc;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listening unix stream socket (the node's worker pipes, PROTOCOL.md 1.1), each accepted
 * connection served by a byte flow. Pekko's Tcp has no unix sockets: each connection is a
 * non-blocking socket read and written by its stream ({@link SocketStage}), with one selector thread
 * per listening socket for the moments a socket would block. Reads of up to {@value #CHUNK_BYTES}
 * bytes stop while the handler has not taken the last one; the socket is closed when the handler
 * stops reading, or when both directions have ended.
 */
public final class UnixSocketServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(UnixSocketServer.class);
  private static final int CHUNK_BYTES = 64 * 1024;

  private final Path path;
  private final ServerSocketChannel server;
  private final SelectorLoop loop;

  private UnixSocketServer(Path path, ServerSocketChannel server, SelectorLoop loop) {
    this.path = path;
    this.server = server;
    this.loop = loop;
  }

  /**
   * Listens at {@code socketPath}, creating its directory with mode 0700 if missing and replacing a
   * stale socket file. Each accepted connection runs {@code handler}'s flow: bytes read in, bytes to
   * write out.
   */
  public static UnixSocketServer bind(ActorSystem<?> system, Path socketPath,
      Function<UnixConnectionInfo, Flow<ByteString, ByteString, ?>> handler) throws IOException {
    Path dir = socketPath.toAbsolutePath().getParent();
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    Files.deleteIfExists(socketPath);
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      server.bind(UnixDomainSocketAddress.of(socketPath));
    } catch (IOException e) {
      server.close();
      throw new IOException("cannot listen on unix socket " + socketPath + ": " + e.getMessage(), e);
    }
    SelectorLoop loop;
    try {
      loop = new SelectorLoop("unix-socket-" + socketPath.getFileName() + "-io");
    } catch (IOException e) {
      server.close();
      throw e;
    }
    UnixSocketServer bound = new UnixSocketServer(socketPath, server, loop);
    Thread acceptor = new Thread(() -> bound.acceptLoop(system, handler), "unix-socket-" + socketPath.getFileName() + "-accept");
    acceptor.setDaemon(true);
    acceptor.start();
    return bound;
  }

  public Path path() {
    return path;
  }

  /** Stops accepting and deletes the socket file; connections already accepted go on. */
  public void unbind() {
    loop.closeWhenIdle();
    try {
      server.close();
    } catch (IOException e) {
      log.warn("closing unix socket {}: {}", path, e.toString());
    }
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      log.warn("cannot delete unix socket file {}: {}", path, e.toString());
    }
  }

  @Override
  public void close() {
    unbind();
  }

  private void acceptLoop(ActorSystem<?> system, Function<UnixConnectionInfo, Flow<ByteString, ByteString, ?>> handler) {
    while (server.isOpen()) {
      SocketChannel socket;
      try {
        socket = server.accept();
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        log.warn("accept on unix socket {} failed: {}", path, e.toString());
        continue;
      }
      UnixConnectionInfo info = new UnixConnectionInfo(ServerConnection.nextConnectionId(), path);
      try {
        serve(system, socket, info, handler.apply(info));
      } catch (RuntimeException e) {
        log.error("cannot serve {}", info.peer(), e);
        closeQuietly(socket);
      }
    }
  }

  private void serve(ActorSystem<?> system, SocketChannel socket, UnixConnectionInfo info,
      Flow<ByteString, ByteString, ?> flow) {
    log.debug("accepted {}", info.peer());
    flow.join(Flow.fromGraph(new SocketStage(socket, loop, info.peer(), CHUNK_BYTES, CHUNK_BYTES))).run(system);
  }

  private static void closeQuietly(SocketChannel socket) {
    try {
      socket.close();
    } catch (IOException e) {
      log.debug("closing a unix socket: {}", e.toString());
    }
  }
}
