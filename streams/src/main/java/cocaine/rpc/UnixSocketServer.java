package cocaine.rpc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.SinkQueueWithCancel;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.SourceQueueWithComplete;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listening unix stream socket (the node's worker pipes, PROTOCOL.md 1.1), each accepted
 * connection served by a byte flow. Pekko's Tcp has no unix sockets, so each connection has a
 * reader and a writer thread of its own doing blocking I/O; neither ever waits on Pekko's shared
 * dispatchers. Reads stop while {@value #READ_CHUNKS} chunks wait for the handler; writes that wait
 * for the writer are joined into chunks of up to {@value #CHUNK_BYTES} bytes; the socket is closed
 * when either side ends.
 */
public final class UnixSocketServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(UnixSocketServer.class);
  private static final int READ_CHUNKS = 4;
  private static final int CHUNK_BYTES = 64 * 1024;

  private final Path path;
  private final ServerSocketChannel server;
  private final ExecutorService threads;

  private UnixSocketServer(Path path, ServerSocketChannel server, ExecutorService threads) {
    this.path = path;
    this.server = server;
    this.threads = threads;
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
    AtomicInteger threadIds = new AtomicInteger();
    ExecutorService threads = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "unix-socket-" + socketPath.getFileName() + "-" + threadIds.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    UnixSocketServer bound = new UnixSocketServer(socketPath, server, threads);
    threads.execute(() -> bound.acceptLoop(system, handler));
    return bound;
  }

  public Path path() {
    return path;
  }

  /** Stops accepting and deletes the socket file; connections already accepted go on. */
  public void unbind() {
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
    Pair<SourceQueueWithComplete<ByteString>, SinkQueueWithCancel<ByteString>> queues =
        Source.<ByteString>queue(READ_CHUNKS, OverflowStrategy.backpressure())
            .via(flow)
            // Frames that pile up while the writer is in a syscall go out in one write (at most
            // CHUNK_BYTES plus one element), instead of one pull round trip and syscall per frame.
            .batchWeighted(CHUNK_BYTES, b -> (long) b.size(), b -> b, ByteString::concat)
            .toMat(Sink.queue(1), Keep.both())
            .run(system);
    SourceQueueWithComplete<ByteString> reads = queues.first();
    SinkQueueWithCancel<ByteString> writes = queues.second();
    // The handler cancelling its input ends the connection as well.
    reads.watchCompletion().whenComplete((done, failure) -> closeQuietly(socket));
    threads.execute(() -> readLoop(socket, reads, info));
    threads.execute(() -> writeLoop(socket, writes, info));
  }

  private static void readLoop(SocketChannel socket, SourceQueueWithComplete<ByteString> reads, UnixConnectionInfo info) {
    ByteBuffer buffer = ByteBuffer.allocate(CHUNK_BYTES);
    try {
      while (true) {
        int n = socket.read(buffer);
        if (n < 0) {
          break;
        }
        buffer.flip();
        ByteString chunk = ByteString.fromByteBuffer(buffer);
        buffer.clear();
        // Blocks this connection's reader until the handler has room: the socket is not read meanwhile.
        QueueOfferResult offered = reads.offer(chunk).toCompletableFuture().get();
        if (offered != QueueOfferResult.enqueued()) {
          break;
        }
      }
      reads.complete();
    } catch (ClosedChannelException e) {
      reads.complete();
    } catch (IOException | ExecutionException e) {
      log.debug("reading {} failed: {}", info.peer(), e.toString());
      reads.complete();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      reads.complete();
    } finally {
      closeQuietly(socket);
    }
  }

  private static void writeLoop(SocketChannel socket, SinkQueueWithCancel<ByteString> writes, UnixConnectionInfo info) {
    try {
      while (true) {
        Optional<ByteString> next = writes.pull().toCompletableFuture().get();
        if (next.isEmpty()) {
          break;
        }
        ByteBuffer bytes = next.get().asByteBuffer();
        while (bytes.hasRemaining()) {
          socket.write(bytes);
        }
      }
    } catch (IOException | ExecutionException e) {
      log.debug("writing {} failed: {}", info.peer(), e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      writes.cancel();
      closeQuietly(socket);
      log.debug("closed {}", info.peer());
    }
  }

  private static void closeQuietly(SocketChannel socket) {
    try {
      socket.close();
    } catch (IOException e) {
      log.debug("closing a unix socket: {}", e.toString());
    }
  }
}
