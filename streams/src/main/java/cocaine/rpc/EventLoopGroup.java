package cocaine.rpc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The executor of an event-loop dispatcher ({@link EventLoopDispatcher}): a fixed set of
 * {@link EventLoop} threads. A task submitted on a loop's thread stays on that loop (an actor told
 * by a socket call-back runs right after it, without waking anybody); one from elsewhere goes to
 * the loops in turn. A loop with nothing to do takes waiting tasks from a busy sibling before it
 * sleeps.
 */
final class EventLoopGroup extends AbstractExecutorService {
  private final EventLoop[] loops;
  private final AtomicInteger next = new AtomicInteger();
  /** Counts the loops still running. */
  private final CountDownLatch running;
  private volatile boolean shutdown;

  EventLoopGroup(int threads, ThreadFactory factory) {
    if (threads < 1) {
      throw new IllegalArgumentException("an event-loop group needs at least one thread, got " + threads);
    }
    loops = new EventLoop[threads];
    running = new CountDownLatch(threads);
    try {
      for (int i = 0; i < threads; i++) {
        loops[i] = new EventLoop(this);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open a selector for an event loop", e);
    }
    for (EventLoop loop : loops) {
      loop.start(factory.newThread(loop));
    }
  }

  @Override
  public void execute(Runnable task) {
    if (shutdown) {
      throw new RejectedExecutionException("the event loops are shut down");
    }
    EventLoop current = EventLoop.current();
    if (current != null && current.group() == this) {
      current.execute(task);
    } else {
      loops[Math.floorMod(next.getAndIncrement(), loops.length)].execute(task);
    }
  }

  Runnable stealFor(EventLoop idle) {
    for (EventLoop loop : loops) {
      if (loop != idle) {
        Runnable task = loop.steal();
        if (task != null) {
          return task;
        }
      }
    }
    return null;
  }

  /** A loop has a backlog: wakes a sleeping sibling to take some of it; true if one was woken. */
  boolean wakeSibling(EventLoop busy) {
    for (EventLoop loop : loops) {
      if (loop != busy && loop.wakeIfSleeping()) {
        return true;
      }
    }
    return false;
  }

  void terminated() {
    running.countDown();
  }

  @Override
  public void shutdown() {
    shutdown = true;
    for (EventLoop loop : loops) {
      loop.shutdown();
    }
  }

  @Override
  public List<Runnable> shutdownNow() {
    shutdown();
    List<Runnable> left = new ArrayList<>();
    for (EventLoop loop : loops) {
      loop.drain(left);
    }
    return left;
  }

  @Override
  public boolean isShutdown() {
    return shutdown;
  }

  @Override
  public boolean isTerminated() {
    return shutdown && running.getCount() == 0;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    return running.await(timeout, unit);
  }
}
