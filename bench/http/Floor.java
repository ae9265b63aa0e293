import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;

/**
 * The floor of a JVM on this machine for the paced benchmark: an HTTP/1.1 echo server in one
 * thread on one NIO selector, no framework, nearly no allocation a request (one reused buffer per
 * connection). What a paced run measures against it is what any Java server here pays before its
 * own design costs anything: the JVM (GC, JIT, safepoints), the kernel and the machine. Run:
 * {@code java -Xmx128m Floor.java PORT}. Answers each POST with its body (Content-Length only; no
 * chunked requests, no pipelining beyond what fits one buffer).
 */
public final class Floor {
  private static final int BUFFER = 256 * 1024;

  public static void main(String[] args) throws IOException {
    int port = Integer.parseInt(args[0]);
    Selector selector = Selector.open();
    ServerSocketChannel server = ServerSocketChannel.open();
    server.bind(new InetSocketAddress("127.0.0.1", port), 1024);
    server.configureBlocking(false);
    server.register(selector, SelectionKey.OP_ACCEPT);
    System.out.println("floor listening on " + port);
    while (true) {
      selector.select();
      Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
      while (keys.hasNext()) {
        SelectionKey key = keys.next();
        keys.remove();
        if (key.isAcceptable()) {
          SocketChannel socket = server.accept();
          if (socket != null) {
            socket.configureBlocking(false);
            socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
            socket.register(selector, SelectionKey.OP_READ, new Connection());
          }
        } else if (key.isReadable()) {
          Connection connection = (Connection) key.attachment();
          try {
            if (!connection.read((SocketChannel) key.channel())) {
              key.cancel();
              key.channel().close();
            }
          } catch (IOException e) {
            key.cancel();
            key.channel().close();
          }
        }
      }
    }
  }

  private static final class Connection {
    private final ByteBuffer in = ByteBuffer.allocateDirect(BUFFER);
    private final ByteBuffer out = ByteBuffer.allocateDirect(BUFFER);
    private final byte[] head = new byte[8192];

    /** Reads what is there and answers every whole request in it; false at end of stream. */
    boolean read(SocketChannel socket) throws IOException {
      if (socket.read(in) < 0) {
        return false;
      }
      in.flip();
      while (true) {
        int start = in.position();
        int end = headEnd(start);
        if (end < 0) {
          break;
        }
        int length = contentLength(start, end);
        if (in.limit() - end < length) {
          break;
        }
        out.clear();
        out.put(("HTTP/1.1 200 OK\r\nContent-Length: " + length + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        in.position(end);
        ByteBuffer body = in.slice();
        body.limit(length);
        out.put(body);
        in.position(end + length);
        out.flip();
        while (out.hasRemaining()) {
          socket.write(out);
        }
      }
      in.compact();
      return true;
    }

    private int headEnd(int from) {
      for (int i = from; i + 3 < in.limit(); i++) {
        if (in.get(i) == '\r' && in.get(i + 1) == '\n' && in.get(i + 2) == '\r' && in.get(i + 3) == '\n') {
          return i + 4;
        }
      }
      return -1;
    }

    private int contentLength(int from, int to) {
      int n = Math.min(to - from, head.length);
      in.get(from, head, 0, n);
      String text = new String(head, 0, n, StandardCharsets.US_ASCII).toLowerCase();
      int at = text.indexOf("content-length:");
      if (at < 0) {
        return 0;
      }
      int eol = text.indexOf('\r', at);
      return Integer.parseInt(text.substring(at + 15, eol).trim());
    }
  }
}
