package cocaine.gateway.userspace;

import cocaine.locator.Endpoint;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The userspace gateway's data path: one thread with a selector that owns the virtual services'
 * listeners and every spliced (client, real) socket pair. A client is accepted, a real chosen by
 * fewest open connections and connected without blocking; then each direction moves bytes through
 * one buffer of {@code buffer-size}: a side is read only while the buffer towards the other side has
 * room, so a slow reader stops reading from its peer (backpressure both ways) and a relayed
 * connection never holds more than two buffers. End of stream is passed on as a half-close.
 */
final class Relay implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Relay.class);
  private static final AtomicLong THREADS = new AtomicLong();
  /** Accepts per ready listener in one round, so one busy app does not starve the open connections. */
  private static final int ACCEPTS_PER_ROUND = 64;
  /** Read/write turns per ready connection in one round, for the same fairness. */
  private static final int TURNS_PER_ROUND = 8;
  /** Freed buffers kept for the next connections: allocating direct memory per connection is slow. */
  private static final int SPARE_BUFFERS = 128;

  private final UserspaceSettings settings;
  private final Selector selector;
  private final Thread thread;
  /** Listeners to watch, and the close: rare control calls from the gateway actor. */
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  /** Splices waiting for their real to accept, oldest first: all share one connect timeout. */
  private final ArrayDeque<Connecting> connecting = new ArrayDeque<>();
  private final ArrayDeque<ByteBuffer> spare = new ArrayDeque<>();
  private int open;
  private boolean closing;

  Relay(UserspaceSettings settings) throws IOException {
    this.settings = settings;
    this.selector = Selector.open();
    this.thread = new Thread(this::run, "gateway-relay-" + THREADS.incrementAndGet());
    thread.setDaemon(true);
    thread.start();
  }

  /** Starts accepting the service's clients. */
  void listen(VirtualService service) {
    submit(() -> {
      try {
        service.listener.register(selector, SelectionKey.OP_ACCEPT, service);
      } catch (IOException | RuntimeException e) { // closed meanwhile by unlisten
        log.debug("gateway: listener of app '{}' is gone: {}", service.app, e.toString());
      }
    });
  }

  /** Stops accepting the service's clients; its relayed connections run on until they end. */
  void unlisten(VirtualService service) {
    submit(() -> closeQuietly(service.listener));
  }

  /** Closes every listener; the thread ends once the relayed connections have ended. */
  @Override
  public void close() {
    submit(() -> {
      closing = true;
      for (SelectionKey key : selector.keys()) {
        if (key.attachment() instanceof VirtualService service) {
          closeQuietly(service.listener);
        }
      }
    });
  }

  private void submit(Runnable task) {
    tasks.add(task);
    selector.wakeup();
  }

  private void run() {
    while (selector.isOpen()) {
      for (Runnable task = tasks.poll(); task != null; task = tasks.poll()) {
        task.run();
      }
      if (closing && open == 0) {
        closeQuietly(selector);
        return;
      }
      try {
        selector.select(this::ready, waitMillis());
        expireConnects();
      } catch (ClosedSelectorException e) {
        return;
      } catch (IOException | RuntimeException e) {
        log.warn("gateway relay {}: {}", thread.getName(), e.toString());
      }
    }
  }

  /** Until the oldest pending connect times out; 0 (no limit) when none is pending. */
  private long waitMillis() {
    Connecting oldest = connecting.peek();
    if (oldest == null) {
      return 0;
    }
    return Math.max(1, TimeUnit.NANOSECONDS.toMillis(oldest.deadline() - System.nanoTime()) + 1);
  }

  private void ready(SelectionKey key) {
    try {
      if (key.attachment() instanceof VirtualService service) {
        accept(service);
      } else {
        ((Splice) key.attachment()).ready(key);
      }
    } catch (CancelledKeyException e) {
      // closed in this round
    }
  }

  private void accept(VirtualService service) {
    for (int i = 0; i < ACCEPTS_PER_ROUND; i++) {
      SocketChannel client;
      try {
        client = service.listener.accept();
      } catch (IOException e) {
        log.warn("gateway: app '{}' cannot accept: {}", service.app, e.toString());
        return;
      }
      if (client == null) {
        return;
      }
      String peer = peer(client);
      if (open >= settings.maxConnections()) {
        log.info("gateway: closed client {} of app '{}': the gateway relays {} connections already"
            + " (cocaine.balancer.userspace.max-connections)", peer, service.app, open);
        closeQuietly(client);
        continue;
      }
      open++;
      Splice splice = new Splice(service, client, peer);
      try {
        client.configureBlocking(false);
        client.setOption(StandardSocketOptions.TCP_NODELAY, true);
        splice.clientKey = client.register(selector, 0, splice);
      } catch (IOException e) {
        splice.end("cannot watch the client: " + e);
        continue;
      }
      splice.connectNext();
    }
  }

  private void expireConnects() {
    long now = System.nanoTime();
    while (!connecting.isEmpty() && connecting.peek().deadline() - now <= 0) {
      Connecting c = connecting.poll();
      Splice splice = c.splice();
      if (!splice.ended && !splice.connected && splice.tried.size() == c.attempt()) {
        splice.refused("no answer within " + settings.connectTimeout()
            + " (cocaine.balancer.userspace.connect-timeout)");
      }
    }
  }

  /** The real with the fewest open connections (then the fewest so far) with an endpoint not tried yet. */
  static Choice leastLoaded(Iterable<Real> reals, List<Endpoint> tried, long now, boolean skipDown) {
    Choice best = null;
    for (Real r : reals) {
      for (int i = 0; i < r.endpoints().size(); i++) {
        Endpoint ep = r.endpoints().get(i);
        Long down = r.downUntil().get(ep);
        if (tried.contains(ep) || (skipDown && down != null && down - now > 0)) {
          continue;
        }
        if (best == null || r.active().get() < best.real().active().get()
            || (r.active().get() == best.real().active().get() && r.picks().get() < best.real().picks().get())) {
          best = new Choice(r, i);
        }
        break;
      }
    }
    return best;
  }

  /** A connect in flight: its splice's {@code attempt}-th, to be given up at {@code deadline}. */
  private record Connecting(Splice splice, int attempt, long deadline) {}

  /** A real and the index of the endpoint to connect to. */
  record Choice(Real real, int endpoint) {}

  private ByteBuffer buffer() {
    ByteBuffer b = spare.poll();
    return b != null ? b : ByteBuffer.allocateDirect(settings.bufferBytes());
  }

  private void recycle(ByteBuffer b) {
    if (b != null && spare.size() < SPARE_BUFFERS) {
      spare.add(b.clear());
    }
  }

  private static String peer(SocketChannel channel) {
    try {
      return String.valueOf(channel.getRemoteAddress());
    } catch (IOException e) {
      return "?";
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      log.debug("gateway relay: closing {}: {}", c, e.toString());
    }
  }

  /** One client connection and its real: connecting, then splicing both ways. */
  private final class Splice {
    final VirtualService service;
    final SocketChannel client;
    final String peer;
    final List<Endpoint> tried = new ArrayList<>(2);
    SelectionKey clientKey;
    SelectionKey realKey;
    Real real;
    Endpoint endpoint;
    SocketChannel realChannel;
    boolean connected;
    boolean ended;
    /** client -> real and real -> client; set once connected. */
    Direction up;
    Direction down;

    Splice(VirtualService service, SocketChannel client, String peer) {
      this.service = service;
      this.client = client;
      this.peer = peer;
    }

    /** Connects to the least loaded real not tried yet; ends the client when none is left. */
    void connectNext() {
      if (tried.size() >= settings.attempts()) {
        end("no real of app '" + service.app + "' accepted the connection after " + settings.attempts() + " attempts");
        return;
      }
      java.util.Collection<Real> reals = service.reals.values();
      if (reals.isEmpty()) {
        end("no node runs app '" + service.app + "' now");
        return;
      }
      long now = System.nanoTime();
      Choice choice = leastLoaded(reals, tried, now, true);
      if (choice == null) {
        choice = leastLoaded(reals, tried, now, false); // every real is marked down: try one anyway
      }
      if (choice == null) {
        end("every real of app '" + service.app + "' refused the connection");
        return;
      }
      real = choice.real();
      endpoint = real.endpoints().get(choice.endpoint());
      tried.add(endpoint);
      real.active().incrementAndGet();
      real.picks().incrementAndGet();
      try {
        realChannel = SocketChannel.open();
        realChannel.configureBlocking(false);
        realChannel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        InetSocketAddress address = real.addresses().get(choice.endpoint());
        boolean done = realChannel.connect(address);
        realKey = realChannel.register(selector, done ? 0 : SelectionKey.OP_CONNECT, this);
        if (done) {
          spliced();
        } else {
          connecting.add(new Connecting(this, tried.size(), System.nanoTime() + settings.connectTimeout().toNanos()));
        }
      } catch (IOException | RuntimeException e) { // refused at once, unresolved address, ...
        refused(e.toString());
      }
    }

    /** The real did not take the connection: skip its endpoint for a while and try the next real. */
    void refused(String reason) {
      log.warn("gateway: real of node '{}' for app '{}' at {} refused a connection ({}); skipped for {}", real.node(),
          service.app, endpoint, reason, settings.downTime());
      real.downUntil().put(endpoint, System.nanoTime() + settings.downTime().toNanos());
      real.active().decrementAndGet();
      real = null;
      if (realChannel != null) {
        closeQuietly(realChannel);
        realChannel = null;
      }
      connectNext();
    }

    void ready(SelectionKey key) {
      if (ended) {
        return;
      }
      if (!connected) {
        if (key == realKey && key.isConnectable()) {
          try {
            realChannel.finishConnect();
          } catch (IOException e) {
            refused(e.toString());
            return;
          }
          spliced();
        }
        return;
      }
      pump();
    }

    private void spliced() {
      connected = true;
      try {
        up = new Direction(client, buffer(), realChannel);
        down = new Direction(realChannel, buffer(), client);
      } catch (OutOfMemoryError e) { // direct memory: the bound is max-connections x 2 x buffer-size
        end("no memory for its buffers (" + e.getMessage() + "): lower cocaine.balancer.userspace.max-connections"
            + " or buffer-size, or raise -XX:MaxDirectMemorySize");
        return;
      }
      pump();
    }

    private void pump() {
      try {
        for (int turn = 0; turn < TURNS_PER_ROUND; turn++) {
          boolean moved = up.move();
          moved |= down.move();
          if (!moved) {
            break;
          }
        }
      } catch (IOException e) {
        log.debug("gateway: relayed connection of {} to node '{}' for app '{}' ended: {}", peer, real.node(),
            service.app, e.toString());
        end(null);
        return;
      }
      if (up.shut && down.shut) {
        end(null);
        return;
      }
      clientKey.interestOps((up.wantsRead() ? SelectionKey.OP_READ : 0) | (down.wantsWrite() ? SelectionKey.OP_WRITE : 0));
      realKey.interestOps((down.wantsRead() ? SelectionKey.OP_READ : 0) | (up.wantsWrite() ? SelectionKey.OP_WRITE : 0));
    }

    /** Closes both sides; {@code reason} (when the client got no real) is logged. */
    void end(String reason) {
      if (ended) {
        return;
      }
      ended = true;
      open--;
      if (reason != null) {
        log.info("gateway: closed client {} of app '{}': {}", peer, service.app, reason);
      }
      closeQuietly(client);
      if (realChannel != null) {
        closeQuietly(realChannel);
      }
      if (real != null) {
        real.active().decrementAndGet();
      }
      if (up != null) {
        recycle(up.buffer);
      }
      if (down != null) {
        recycle(down.buffer);
      }
    }
  }

  /**
   * One direction of a splice: bytes read from {@code from} wait in {@code buffer} (kept in fill
   * mode) until {@code to} takes them; {@code from} is read only while the buffer has room.
   */
  static final class Direction {
    final SocketChannel from;
    final ByteBuffer buffer;
    final SocketChannel to;
    boolean eof;
    /** The end of stream was passed on: {@code to}'s output is shut. */
    boolean shut;

    Direction(SocketChannel from, ByteBuffer buffer, SocketChannel to) {
      this.from = from;
      this.buffer = buffer;
      this.to = to;
    }

    /** Reads what fits, writes what the peer takes; true when a byte or the end of stream moved. */
    boolean move() throws IOException {
      boolean moved = false;
      if (wantsRead()) {
        int n = from.read(buffer);
        if (n < 0) {
          eof = true;
        }
        moved = n != 0;
      }
      if (buffer.position() > 0) {
        buffer.flip();
        moved |= to.write(buffer) > 0;
        buffer.compact();
      }
      if (eof && buffer.position() == 0 && !shut) {
        shut = true;
        to.shutdownOutput();
        moved = true;
      }
      return moved;
    }

    boolean wantsRead() {
      return !eof && buffer.hasRemaining();
    }

    boolean wantsWrite() {
      return buffer.position() > 0;
    }
  }
}
