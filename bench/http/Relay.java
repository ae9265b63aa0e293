import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Iterator;

/**
 * The floor of two JVM hops on this machine, for the paced benchmark: a TCP relay in one thread on
 * one NIO selector, each accepted connection paired with one connection of its own to an upstream
 * (e.g. {@code Floor.java}), bytes copied both ways as they come, no parsing, nearly no allocation.
 * Put in front of {@code Floor.java} it is the cheapest a JVM front in front of a JVM backend can
 * be: what any such path pays here (two JVMs' GC, JIT and safepoints, two hops through the kernel)
 * before its own design costs anything. Run: {@code java -Xmx128m Relay.java PORT UPSTREAM_PORT}.
 */
public final class Relay {
  private static final int BUFFER = 256 * 1024;

  public static void main(String[] args) throws IOException {
    int port = Integer.parseInt(args[0]);
    InetSocketAddress upstream = new InetSocketAddress("127.0.0.1", Integer.parseInt(args[1]));
    Selector selector = Selector.open();
    ServerSocketChannel server = ServerSocketChannel.open();
    server.bind(new InetSocketAddress("127.0.0.1", port), 1024);
    server.configureBlocking(false);
    server.register(selector, SelectionKey.OP_ACCEPT);
    System.out.println("relay listening on " + port + ", upstream " + upstream.getPort());
    while (true) {
      selector.select();
      Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
      while (keys.hasNext()) {
        SelectionKey key = keys.next();
        keys.remove();
        try {
          if (key.isAcceptable()) {
            accept(server, selector, upstream);
          } else {
            Side side = (Side) key.attachment();
            if (key.isValid() && key.isWritable()) {
              side.flush();
            }
            if (key.isValid() && key.isReadable()) {
              side.read();
            }
          }
        } catch (IOException e) {
          if (key.attachment() instanceof Side side) {
            side.close();
          }
        }
      }
    }
  }

  private static void accept(ServerSocketChannel server, Selector selector, InetSocketAddress upstream)
      throws IOException {
    SocketChannel client = server.accept();
    if (client == null) {
      return;
    }
    SocketChannel up = SocketChannel.open(upstream); // blocking connect: once per connection, before any request
    for (SocketChannel s : new SocketChannel[] {client, up}) {
      s.configureBlocking(false);
      s.setOption(StandardSocketOptions.TCP_NODELAY, true);
    }
    Side a = new Side(client);
    Side b = new Side(up);
    a.peer = b;
    b.peer = a;
    a.key = client.register(selector, SelectionKey.OP_READ, a);
    b.key = up.register(selector, SelectionKey.OP_READ, b);
  }

  /** One socket of a pair: what it reads goes to its peer's socket. */
  private static final class Side {
    private final SocketChannel socket;
    /** Bytes read here, not yet written to the peer. */
    private final ByteBuffer pending = ByteBuffer.allocateDirect(BUFFER);
    private SelectionKey key;
    private Side peer;

    Side(SocketChannel socket) {
      this.socket = socket;
    }

    void read() throws IOException {
      if (socket.read(pending) < 0) {
        close();
        return;
      }
      pending.flip();
      peer.socket.write(pending);
      pending.compact();
      if (pending.position() > 0) { // the peer is slow: stop reading until it took the rest
        key.interestOps(0);
        peer.key.interestOps(peer.key.interestOps() | SelectionKey.OP_WRITE);
      }
    }

    /** The peer's socket can take more of what this side's peer read. */
    void flush() throws IOException {
      ByteBuffer from = peer.pending;
      from.flip();
      socket.write(from);
      from.compact();
      if (from.position() == 0) {
        key.interestOps(key.interestOps() & ~SelectionKey.OP_WRITE);
        peer.key.interestOps(SelectionKey.OP_READ);
      }
    }

    void close() {
      for (Side s : new Side[] {this, peer}) {
        s.key.cancel();
        try {
          s.socket.close();
        } catch (IOException e) {
          // closing anyway
        }
      }
    }
  }
}
