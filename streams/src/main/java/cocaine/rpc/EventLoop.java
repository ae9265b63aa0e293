package cocaine.rpc;

import java.io.IOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread of an {@link EventLoopGroup}: it runs the dispatcher's tasks (actor mailboxes, stream
 * interpreters) and, when it has none, waits on its own selector for the sockets of the streams that
 * run on it. A socket that becomes ready thus wakes the thread that will read it; with a separate
 * selector thread every ready socket cost two thread wake-ups, one of them a futex call and a context
 * switch on the dispatcher's side. Interest in a socket changed on this thread needs no wake-up either:
 * it takes effect at the loop's next select.
 */
final class EventLoop implements Watcher, Runnable {
  private static final Logger log = LoggerFactory.getLogger(EventLoop.class);
  private static final ThreadLocal<EventLoop> CURRENT = new ThreadLocal<>();
  /** Tasks run between two looks at the sockets while tasks keep coming. */
  private static final int TASKS_PER_ROUND = 256;
  /** Waiting tasks that are worth waking a sleeping sibling for. */
  private static final int BACKLOG = 4;

  private final EventLoopGroup group;
  private final Selector selector;
  /**
   * Not bounded, like any dispatcher's queue: it holds actors scheduled to run (each at most once)
   * and stream hand-offs, whose senders bound them (windows, one flush per socket).
   */
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  /** Tasks in {@link #tasks}: past {@link #BACKLOG} a sleeping sibling is woken to take some. */
  private final AtomicInteger queued = new AtomicInteger();
  /** The loop is in (or about to enter) a blocking select: a new task must wake it. */
  private final AtomicBoolean sleeping = new AtomicBoolean();
  private volatile boolean shutdown;
  private Thread thread;

  EventLoop(EventLoopGroup group) throws IOException {
    this.group = group;
    this.selector = Selector.open();
  }

  /** The loop the calling thread runs, or null on any other thread. */
  static EventLoop current() {
    return CURRENT.get();
  }

  EventLoopGroup group() {
    return group;
  }

  void start(Thread t) {
    thread = t;
    t.start();
  }

  void execute(Runnable task) {
    tasks.add(task);
    queued.incrementAndGet();
    if (Thread.currentThread() != thread) {
      wakeIfSleeping();
    }
  }

  /** A task another loop may take while this one is busy, or null. */
  Runnable steal() {
    Runnable task = tasks.poll();
    if (task != null) {
      queued.decrementAndGet();
    }
    return task;
  }

  /** Wakes the loop if it sleeps; true if it did. */
  boolean wakeIfSleeping() {
    if (sleeping.get() && sleeping.compareAndSet(true, false)) {
      selector.wakeup();
      return true;
    }
    return false;
  }

  void shutdown() {
    shutdown = true;
    selector.wakeup();
  }

  void drain(java.util.List<Runnable> into) {
    Runnable r;
    while ((r = tasks.poll()) != null) {
      queued.decrementAndGet();
      into.add(r);
    }
  }

  @Override
  public SelectionKey register(SocketChannel socket, IntConsumer ready) throws IOException {
    if (Thread.currentThread() != thread) {
      throw new IllegalStateException("a socket is registered on its event loop's own thread");
    }
    return socket.register(selector, 0, ready);
  }

  @Override
  public void interest(SelectionKey key, int op) {
    try {
      key.interestOpsOr(op);
    } catch (CancelledKeyException e) {
      return; // the socket was closed meanwhile; its owner has stopped
    }
    if (Thread.currentThread() != thread) {
      wakeIfSleeping();
    }
  }

  @Override
  public void wakeup() {
    if (Thread.currentThread() != thread) {
      wakeIfSleeping(); // on the loop's own thread the next select drops the cancelled key anyway
    }
  }

  @Override
  public void run() {
    CURRENT.set(this);
    try {
      while (!shutdown) {
        try {
          round();
        } catch (IOException e) {
          // epoll failing is not expected; the tasks must still run, so the loop goes on
          log.error("event loop {}: its selector failed: {}", thread.getName(), e.toString());
        }
      }
    } catch (ClosedSelectorException e) {
      // shut down
    } finally {
      try {
        selector.close();
      } catch (IOException e) {
        log.debug("closing the selector of {}: {}", thread.getName(), e.toString());
      }
      group.terminated();
    }
  }

  /** Runs the tasks waiting (or a sibling's), then the sockets' call-backs; sleeps when there is nothing to do. */
  private void round() throws IOException {
    boolean more = runTasks();
    if (!more) {
      more = runStolen();
    }
    if (more) {
      selector.selectNow(this::onReady);
      return;
    }
    sleeping.set(true);
    if (tasks.isEmpty() && !shutdown) {
      selector.select(this::onReady);
    } else {
      selector.selectNow(this::onReady);
    }
    sleeping.set(false);
  }

  /** Runs up to a round of tasks; true when more are waiting. */
  private boolean runTasks() {
    boolean helped = false;
    for (int i = 0; i < TASKS_PER_ROUND; i++) {
      Runnable task = tasks.poll();
      if (task == null) {
        return false;
      }
      if (queued.decrementAndGet() >= BACKLOG && !helped) {
        helped = group.wakeSibling(this);
      }
      runSafely(task);
    }
    return !tasks.isEmpty();
  }

  /** Takes a task from a busy sibling instead of going to sleep; true when one ran. */
  private boolean runStolen() {
    Runnable task = group.stealFor(this);
    if (task == null) {
      return false;
    }
    runSafely(task);
    return true;
  }

  private void runSafely(Runnable task) {
    try {
      task.run();
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable t) {
      log.error("a task on event loop {} failed", thread.getName(), t);
    }
  }

  private void onReady(SelectionKey key) {
    try {
      Watcher.ready(key);
    } catch (RuntimeException e) {
      log.error("a socket call-back on event loop {} failed", thread.getName(), e);
    }
  }
}
