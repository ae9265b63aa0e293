package cocaine.gateway.userspace;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
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
 * Each relayed connection is a {@link Splice}; this class owns what they share: the selector, the
 * pending connects' timeout, the count of open connections and the spare buffers.
 */
final class Relay implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Relay.class);
  private static final AtomicLong THREADS = new AtomicLong();
  /** Accepts per ready listener in one round, so one busy app does not starve the open connections. */
  private static final int ACCEPTS_PER_ROUND = 64;
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
      new Splice(this, settings, service, client, peer).start();
    }
  }

  private void expireConnects() {
    long now = System.nanoTime();
    while (!connecting.isEmpty() && connecting.peek().deadline() - now <= 0) {
      Connecting c = connecting.poll();
      Splice splice = c.splice();
      if (splice.stillConnecting(c.attempt())) {
        splice.refused("no answer within " + settings.connectTimeout()
            + " (cocaine.balancer.userspace.connect-timeout)");
      }
    }
  }

  /** A connect in flight: its splice's {@code attempt}-th, to be given up at {@code deadline}. */
  private record Connecting(Splice splice, int attempt, long deadline) {}

  /** The selector a splice registers its sockets with; like every call from a splice, on the relay's thread. */
  Selector selector() {
    return selector;
  }

  /** A splice's connect is under way: it is given up at connect-timeout unless it ends before. */
  void awaitConnect(Splice splice, int attempt) {
    connecting.add(new Connecting(splice, attempt, System.nanoTime() + settings.connectTimeout().toNanos()));
  }

  /** A splice has ended: one connection fewer counts against max-connections. */
  void ended() {
    open--;
  }

  /** A spare buffer of buffer-size, or a new one. */
  ByteBuffer buffer() {
    ByteBuffer b = spare.poll();
    return b != null ? b : ByteBuffer.allocateDirect(settings.bufferBytes());
  }

  /** Keeps an ended splice's buffer for the next connections, up to {@link #SPARE_BUFFERS}. */
  void recycle(ByteBuffer b) {
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

  static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      log.debug("gateway relay: closing {}: {}", c, e.toString());
    }
  }
}
