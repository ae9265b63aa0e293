package cocaine.rpc.service;

import cocaine.rpc.transport.AcceptLoop;
import cocaine.rpc.transport.SelectorLoop;
import cocaine.rpc.transport.SocketStage;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
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
 * A listening unix stream socket (the node's worker pipes, docs/protocol.md 1.1), each accepted
 * connection served by a byte flow. Pekko's Tcp has no unix sockets: each connection is a
 * non-blocking socket read and written by its stream ({@link SocketStage}), with the process's one
 * selector thread ({@link SelectorLoop#shared()}) for the moments a socket would block, and for
 * accepting (no thread per socket). Reads of up to {@value #CHUNK_BYTES}
 * bytes stop while the handler has not taken the last one; the socket is closed when the handler
 * stops reading, or when both directions have ended.
 */
public final class UnixSocketServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(UnixSocketServer.class);
  private static final int CHUNK_BYTES = 64 * 1024;

  private final Path path;
  private final SelectorLoop loop;
  private AcceptLoop accepting;

  private UnixSocketServer(Path path, SelectorLoop loop) {
    this.path = path;
    this.loop = loop;
  }

  /**
   * Makes {@code dir} (created if missing) mode 0700 (0711 is left as it is) and refuses one owned by another user: whoever
   * can enter it can connect to a worker socket and speak for a worker.
   */
  static void privateDirectory(Path dir) throws IOException {
    var owner = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir, owner);
    }
    var me = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(System.getProperty("user.name"));
    if (!Files.getOwner(dir).equals(me)) {
      throw new IOException("socket folder " + dir + " belongs to " + Files.getOwner(dir).getName() + ", not to "
          + me.getName() + " who runs this runtime; remove it or set paths.runtime to a folder of your own");
    }
    // search-only for others (rwx--x--x) is what a worker running as another user needs to reach
    // its own socket; it lists nothing and every socket file is 0600
    var mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(dir));
    if (!mode.equals("rwx------") && !mode.equals("rwx--x--x")) {
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    }
  }

  /**
   * Listens at {@code socketPath}, making its directory private (mode 0700, ours) and replacing a
   * stale socket file. Each accepted connection runs {@code handler}'s flow: bytes read in, bytes to
   * write out.
   */
  public static UnixSocketServer bind(ActorSystem<?> system, Path socketPath,
      Function<UnixConnectionInfo, Flow<ByteString, ByteString, ?>> handler) throws IOException {
    Path dir = socketPath.toAbsolutePath().getParent();
    privateDirectory(dir);
    Files.deleteIfExists(socketPath);
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      server.bind(UnixDomainSocketAddress.of(socketPath));
    } catch (IOException e) {
      server.close();
      throw new IOException("cannot listen on unix socket " + socketPath + ": " + e.getMessage(), e);
    }
    // whatever the umask: only the owner (the runtime, or the one worker user it is given to) connects
    Files.setPosixFilePermissions(socketPath, PosixFilePermissions.fromString("rw-------"));
    SelectorLoop loop;
    try {
      loop = SelectorLoop.shared();
    } catch (IOException e) {
      server.close();
      throw e;
    }
    UnixSocketServer bound = new UnixSocketServer(socketPath, loop);
    try {
      bound.accepting = AcceptLoop.start(server, loop, "unix socket " + socketPath, system.executionContext(),
          socket -> bound.accepted(system, socket, handler));
    } catch (IOException e) {
      server.close();
      throw e;
    }
    return bound;
  }

  public Path path() {
    return path;
  }

  /** Stops accepting and deletes the socket file; connections already accepted go on. */
  public void unbind() {
    accepting.close();
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

  private void accepted(ActorSystem<?> system, SocketChannel socket,
      Function<UnixConnectionInfo, Flow<ByteString, ByteString, ?>> handler) {
    UnixConnectionInfo info = new UnixConnectionInfo(ServerConnection.nextConnectionId(), path);
    try {
      serve(system, socket, info, handler.apply(info));
    } catch (RuntimeException e) {
      log.error("cannot serve {}", info.peer(), e);
      closeQuietly(socket);
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
