package cocaine.rpc.transport;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.Channel;
import java.nio.channels.SelectableChannel;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread that waits for non-blocking sockets to become readable or writable and tells their
 * owners ({@link SocketStage}), which then do the I/O themselves. A socket is watched only for what
 * its owner asked since the last call-back, so an idle or a backpressured connection costs nothing.
 */
public final class SelectorLoop implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SelectorLoop.class);
  private static SelectorLoop shared;
  private final Selector selector;
  private final Thread thread;
  /** Work for the selector's thread, run between two rounds. */
  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  /**
   * True while the thread may be waiting in {@code epoll_wait}: only then must an interest change
   * wake it. Between two waits it applies the changes queued meanwhile before it waits again, so a
   * stream that asks while the thread is still handing out ready sockets saves the wake-up (an
   * eventfd write, a return from the wait, a read) -- 1.5% of the runtime's CPU went to wake-ups.
   */
  private volatile boolean waiting;
  /** This thread's buffer for the sockets it reads ({@link SelectorRead}): each read is copied out at once. */
  private ByteBuffer readBuffer;

  /**
   * One selector thread for every connection and listening socket of the process, TCP (accepted or
   * made, as Pekko IO had) and unix (the workers' sockets): it only wakes a connection's stream when its socket,
   * which would have blocked, becomes ready, so one thread keeps up, and a loop per port or per
   * worker socket would add an idle thread per app (3,000 threads for 1,000 apps, bench/README.md
   * "Cluster benchmark"). Never closed.
   */
  public static synchronized SelectorLoop shared() throws IOException {
    if (shared == null) {
      shared = new SelectorLoop("rpc-socket-io");
    }
    return shared;
  }

  public SelectorLoop(String name) throws IOException {
    selector = Selector.open();
    thread = new Thread(this::run, name);
    thread.setDaemon(true);
    thread.start();
  }

  /** Watches {@code socket} (non-blocking) for nothing yet; {@code ready} gets the ready operations. */
  SelectionKey register(SelectableChannel socket, IntConsumer ready) throws IOException {
    return watch(socket, ready);
  }

  /**
   * Watches {@code socket} for nothing yet; this thread reads it for its owner when asked ({@link
   * SelectorRead#want}), and the owner gets the other ready operations as with {@link #register}.
   */
  SelectionKey register(SelectableChannel socket, SelectorRead reads) throws IOException {
    return watch(socket, reads);
  }

  private SelectionKey watch(SelectableChannel socket, Object owner) throws IOException {
    SelectionKey key = socket.register(selector, 0, owner);
    selector.wakeup(); // a registration waits for the selector's next round
    return key;
  }

  /** Calls the socket's owner back once when {@code op} is ready; then the interest is dropped. */
  void interest(SelectionKey key, int op) {
    try {
      key.interestOpsOr(op); // queued for the thread's next wait, which applies it first
      if (waiting) {
        selector.wakeup();
      }
    } catch (CancelledKeyException e) {
      // the socket was closed meanwhile; its owner has stopped
    }
  }

  /**
   * A closed socket that is still registered keeps its file descriptor open until the selector's
   * next round, and an idle selector waits for ever.
   */
  void wakeup() {
    selector.wakeup();
  }

  /**
   * Drops {@code key} and closes {@code channel} on the selector's thread, so its descriptor is
   * released at once (a listening socket's port may then be bound again); {@code then} runs after.
   */
  void release(SelectionKey key, Channel channel, Runnable then) {
    tasks.add(() -> {
      key.cancel();
      try {
        selector.selectNow(this::ready); // deregisters the cancelled key
      } catch (IOException e) {
        log.debug("socket selector {}: {}", thread.getName(), e.toString());
      }
      try {
        channel.close();
      } catch (IOException e) {
        log.debug("closing {}: {}", channel, e.toString());
      }
      then.run();
    });
    selector.wakeup();
  }

  private void run() {
    while (selector.isOpen()) {
      try {
        waiting = true; // before the wait applies the queued interest changes: none is missed
        selector.select(this::ready, 0);
        waiting = false;
        for (Runnable task = tasks.poll(); task != null; task = tasks.poll()) {
          task.run();
        }
      } catch (ClosedSelectorException e) {
        return;
      } catch (IOException | RuntimeException e) {
        log.warn("socket selector {}: {}", thread.getName(), e.toString());
      }
    }
  }

  @Override
  public void close() {
    try {
      selector.close();
    } catch (IOException e) {
      log.debug("closing selector {}: {}", thread.getName(), e.toString());
    }
  }

  private ByteBuffer readBuffer(int bytes) {
    if (readBuffer == null || readBuffer.capacity() < bytes) {
      readBuffer = ByteBuffer.allocateDirect(bytes);
    }
    return readBuffer;
  }

  /**
   * A selected key: drops the interest in what is ready (its owner asks again when it must wait once
   * more) and tells the owner.
   */
  private void ready(SelectionKey key) {
    waiting = false; // the wait is over: changes asked from now on are applied before the next one
    int ops;
    try {
      ops = key.readyOps();
      if (key.attachment() instanceof SelectorRead reads) {
        reads.selected(key, ops, readBuffer(reads.limit()));
        return;
      }
      key.interestOpsAnd(~ops);
    } catch (CancelledKeyException e) {
      return; // the socket was closed meanwhile; its owner has stopped
    }
    ((IntConsumer) key.attachment()).accept(ops);
  }
}
