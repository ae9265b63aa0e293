package cocaine.client;

import cocaine.wire.CocaineException;
import cocaine.wire.Message;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The replies of one streaming channel waiting for the caller to take them. Bounded: when it is
 * full the connection's reader thread waits in {@link #deliver}, so the socket is no longer read
 * and TCP pushes back on the service.
 */
final class ReplyBuffer implements ReplySink {
  private final int capacity;
  private final ArrayDeque<Message> items;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private CocaineException failure;
  private boolean discarded;

  ReplyBuffer(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("reply buffer capacity: " + capacity + " (expected: >= 1)");
    }
    this.capacity = capacity;
    this.items = new ArrayDeque<>(Math.min(capacity, 64));
  }

  @Override
  public void deliver(Message message) throws InterruptedException {
    lock.lock();
    try {
      while (items.size() >= capacity && !discarded) {
        changed.await();
      }
      if (!discarded) {
        items.addLast(message);
        changed.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Fails the channel after the replies already buffered have been taken. */
  @Override
  public void fail(CocaineException cause) {
    lock.lock();
    try {
      if (failure == null) {
        failure = cause;
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** The caller lost interest: drop what is buffered and whatever still comes, never block the reader. */
  void discard() {
    lock.lock();
    try {
      discarded = true;
      items.clear();
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** The next reply, or null when none came within the timeout; throws the failure once drained. */
  Message take(long timeout, TimeUnit unit) throws InterruptedException {
    long nanos = unit.toNanos(timeout);
    lock.lock();
    try {
      while (items.isEmpty()) {
        if (failure != null) {
          throw new CocaineException(failure.code(), failure.getMessage(), failure);
        }
        if (discarded) {
          throw new IllegalStateException("the channel was cancelled; its replies are dropped");
        }
        if (nanos <= 0) {
          return null;
        }
        nanos = changed.awaitNanos(nanos);
      }
      Message m = items.removeFirst();
      changed.signalAll();
      return m;
    } finally {
      lock.unlock();
    }
  }
}
