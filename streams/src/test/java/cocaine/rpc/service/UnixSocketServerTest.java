package cocaine.rpc.service;

import static cocaine.wire.WireBytes.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.rpc.transport.ConnectionSettings;
import cocaine.wire.Frame;
import cocaine.wire.FrameDecoder;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
@SuppressWarnings("try") // the server is opened in try blocks only to be closed
class UnixSocketServerTest {
  private static final ConnectionSettings SETTINGS = new ConnectionSettings(1 << 20, 4, 16);
  private final ExecutorService reader = Executors.newSingleThreadExecutor();

  @TempDir
  Path tmp;

  @AfterEach
  void stop() {
    reader.shutdownNow();
  }

  private UnixSocketServer serve(Path socket, TestService service) throws Exception {
    return UnixSocketServer.bind(TestSystem.get(), socket,
        info -> ServerConnection.flow(service, SETTINGS, info.connectionId(), info.peer()));
  }

  private static SocketChannel connect(Path socket) throws Exception {
    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    ch.connect(UnixDomainSocketAddress.of(socket));
    return ch;
  }

  private static void write(SocketChannel ch, byte[] bytes) throws Exception {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  /** Reads the next frame on a helper thread so that a hang fails the test instead of blocking it. */
  private Frame read(SocketChannel ch, FrameDecoder decoder) throws Exception {
    Future<Frame> f = reader.submit(() -> {
      ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
      while (true) {
        Frame frame = decoder.next();
        if (frame != null) {
          return frame;
        }
        buf.clear();
        if (ch.read(buf) < 0) {
          return null;
        }
        decoder.feed(Arrays.copyOf(buf.array(), buf.position()));
      }
    });
    return f.get(10, TimeUnit.SECONDS);
  }

  @Test
  void roundTripOverAUnixSocketInAPrivateDirectory() throws Exception {
    Path socket = tmp.resolve("run").resolve("echo.12345");
    TestService service = new TestService();
    try (UnixSocketServer server = serve(socket, service); SocketChannel ch = connect(socket)) {
      assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())));
      FrameDecoder decoder = new FrameDecoder(1 << 20);
      write(ch, hex("94 01 00 91 a4 65 63 68 6f 90"));
      assertEquals(new Frame(1, 0, List.of(Values.str("echo")), List.of()), read(ch, decoder));
      // Echoes come back while we write: read them on the side, or both ends fill up and wait.
      Future<List<Frame>> echoes = reader.submit(() -> {
        List<Frame> frames = new java.util.ArrayList<>();
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        while (frames.isEmpty() || frames.get(frames.size() - 1).type() != Graph.CLOSE) {
          Frame frame = decoder.next();
          if (frame != null) {
            frames.add(frame);
            continue;
          }
          buf.clear();
          if (ch.read(buf) < 0) {
            break;
          }
          decoder.feed(Arrays.copyOf(buf.array(), buf.position()));
        }
        return frames;
      });
      write(ch, FrameEncoder.encode(Message.of(TestService.STREAM).on(2)));
      for (int i = 0; i < 100; i++) {
        write(ch, FrameEncoder.encode(Message.write(Values.bytes(new byte[10_000]), Values.integer(i)).on(2)));
      }
      write(ch, FrameEncoder.encode(Message.close().on(2)));
      List<Frame> frames = echoes.get(10, TimeUnit.SECONDS);
      assertEquals(101, frames.size());
      for (int i = 0; i < 100; i++) {
        assertEquals(Values.integer(i), frames.get(i).args().get(1));
      }
      assertTrue(service.contexts.peek().peer().startsWith("unix:" + socket), service.contexts.peek().peer());
    }
    assertFalse(Files.exists(socket), "socket file is deleted on unbind");
  }

  @Test
  void anExistingOpenSocketFolderIsMadePrivate() throws Exception {
    Path run = Files.createDirectories(tmp.resolve("open"));
    Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxrwxrwx"));
    try (UnixSocketServer server = serve(run.resolve("echo.1"), new TestService())) {
      assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(run)));
    }
  }

  @Test
  void aSocketFolderOfAnotherUserIsRefused() throws Exception {
    Path run = Files.createDirectories(tmp.resolve("theirs"));
    var lookup = run.getFileSystem().getUserPrincipalLookupService();
    org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
        "only root can give a folder away");
    Files.setOwner(run, lookup.lookupPrincipalByName("nobody"));
    java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
        () -> serve(run.resolve("echo.1"), new TestService()));
    assertTrue(e.getMessage().contains("belongs to nobody"), e.getMessage());
  }

  @Test
  void handlerEndingClosesTheSocket() throws Exception {
    Path socket = tmp.resolve("garbage.sock");
    try (UnixSocketServer server = serve(socket, new TestService()); SocketChannel ch = connect(socket)) {
      write(ch, hex("c1"));
      assertEquals(null, read(ch, new FrameDecoder(1 << 20)));
    }
  }

  @Test
  void peerClosingEndsTheHandlersInput() throws Exception {
    Path socket = tmp.resolve("publish.sock");
    TestService service = new TestService();
    try (UnixSocketServer server = serve(socket, service)) {
      try (SocketChannel ch = connect(socket)) {
        write(ch, FrameEncoder.encode(Message.of(TestService.PUBLISH).on(1)));
        assertEquals(Graph.VALUE, read(ch, new FrameDecoder(1 << 20)).type());
      }
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
          .until(() -> !service.publishEvents.isEmpty());
      assertTrue(service.publishEvents.peek().contains("[7, 3]"), service.publishEvents.peek());
    }
  }

  @Test
  void staleSocketFileIsReplaced() throws Exception {
    Path socket = tmp.resolve("stale.sock");
    serve(socket, new TestService()).close();
    Files.createFile(socket);
    try (UnixSocketServer server = serve(socket, new TestService()); SocketChannel ch = connect(socket)) {
      write(ch, hex("94 01 00 90 90"));
      assertEquals(1, read(ch, new FrameDecoder(1 << 20)).channel());
    }
  }
}
