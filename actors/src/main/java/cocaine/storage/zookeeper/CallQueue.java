package cocaine.storage.zookeeper;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the zookeeper backend's blocking calls wait and run: a pool of {@code io-threads} behind a
 * queue of {@code queue-limit}, past which a call fails at once with {@code TRY_AGAIN}. Every call
 * is answered within {@code connection-timeout}, if need be as "cannot be reached", and one that
 * has not started by then never runs. While ZooKeeper is disconnected one call at a time waits for
 * it; the others fail at once.
 */
final class CallQueue implements AutoCloseable {
  // the storage's logger: these lines belong to its calls
  private static final Logger log = LoggerFactory.getLogger(ZookeeperStorage.class);

  /** The blocking work of one call. */
  @FunctionalInterface
  interface Operation<T> {
    T run() throws Exception;
  }

  /**
   * The blocking work of a call of several ZooKeeper round trips (a chunked value): it calls
   * {@code progress} after each one, which gives the call another timeout from then. The timeout
   * bounds a wait for ZooKeeper, not the size of a value.
   */
  @FunctionalInterface
  interface Steps<T> {
    T run(Runnable progress) throws Exception;
  }

  private final String connect;
  private final int queueLimit;
  /** Every call is answered within it (connection-timeout), if need be with "cannot be reached". */
  private final Duration callTimeout;
  private final BooleanSupplier connected;
  private final ThreadPoolExecutor io;
  private final ScheduledThreadPoolExecutor expiry;
  /** A call is waiting for the lost connection; the others fail at once meanwhile. */
  private final AtomicBoolean probing = new AtomicBoolean();

  /**
   * @param connect   ZooKeeper's connect string, for the errors
   * @param connected whether the client is connected now
   */
  CallQueue(String connect, int ioThreads, int queueLimit, Duration callTimeout, BooleanSupplier connected) {
    this.connect = connect;
    this.queueLimit = queueLimit;
    this.callTimeout = callTimeout;
    this.connected = connected;
    AtomicInteger ids = new AtomicInteger();
    this.io = new ThreadPoolExecutor(ioThreads, ioThreads, 0, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(queueLimit), r -> {
          Thread t = new Thread(r, "cocaine-zookeeper-io-" + ids.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    this.expiry = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "cocaine-zookeeper-expiry");
      t.setDaemon(true);
      return t;
    });
    expiry.setRemoveOnCancelPolicy(true);
  }

  /**
   * Runs {@code operation} on the pool; its failure is the {@link CocaineException} it threw, or one
   * made from what else it threw, naming {@code op} of {@code collection}/{@code key}.
   */
  <T> CompletionStage<T> submit(String op, String collection, String key, Operation<T> operation) {
    return submit(op, collection, key, (Steps<T>) progress -> operation.run());
  }

  /** As {@link #submit(String, String, String, Operation)}, for a call that reports its progress. */
  <T> CompletionStage<T> submit(String op, String collection, String key, Steps<T> operation) {
    // completed by hand so a failure is the CocaineException itself, not a CompletionException around it
    CompletableFuture<T> result = new CompletableFuture<>();
    // A call queued behind calls that wait for a lost connection, or caught in Curator's retry,
    // would answer long after its caller gave up (seen in ChaosIT under load): past the timeout it
    // fails as "cannot be reached", and if it has not started by then it never runs.
    try {
      // inside the try: after close both executors refuse, and the caller gets a failed stage, not a throw
      Runnable expire = () -> result.completeExceptionally(failure(op, collection, key,
          new KeeperException.OperationTimeoutException()));
      AtomicReference<ScheduledFuture<?>> expires = new AtomicReference<>(
          expiry.schedule(expire, callTimeout.toMillis(), TimeUnit.MILLISECONDS));
      result.whenComplete((value, failure) -> expires.get().cancel(false));
      Runnable progress = () -> {
        if (!result.isDone()) {
          expires.getAndSet(expiry.schedule(expire, callTimeout.toMillis(), TimeUnit.MILLISECONDS)).cancel(false);
          if (result.isDone()) {
            expires.get().cancel(false); // completed meanwhile: its whenComplete may have seen the old one
          }
        }
      };
      io.execute(() -> {
        if (result.isDone()) {
          return;
        }
        boolean probe = false;
        try {
          if (!connected.getAsBoolean()) {
            // While the connection is down one call at a time waits for it (and so makes Curator
            // reconnect); the others fail at once instead of queueing for connection-timeout each
            // behind it (seen in ChaosIT).
            probe = probing.compareAndSet(false, true);
            if (!probe) {
              throw new KeeperException.ConnectionLossException();
            }
          }
          result.complete(operation.run(progress));
        } catch (CocaineException e) {
          result.completeExceptionally(e);
        } catch (Exception e) {
          result.completeExceptionally(failure(op, collection, key, e));
        } finally {
          if (probe) {
            probing.set(false);
          }
        }
      });
      return result;
    } catch (RejectedExecutionException e) {
      // completing it cancels its expiry too: a refused call leaves nothing scheduled behind
      result.completeExceptionally(io.isShutdown() || expiry.isShutdown()
          ? new CocaineException(ErrorCode.NOT_CONNECTED, "storage (ZooKeeper at " + connect + ") is closed: the "
              + op + " of " + collection + "/" + key + " was not done")
          : new CocaineException(ErrorCode.TRY_AGAIN, "storage (ZooKeeper at " + connect + ") is busy: "
              + io.getQueue().size() + " operations waiting (queue-limit " + queueLimit + ")"));
      return result;
    }
  }

  private CocaineException failure(String op, String collection, String key, Exception e) {
    if (e instanceof InterruptedException) {
      Thread.currentThread().interrupt();
    }
    boolean unreachable = e instanceof KeeperException.ConnectionLossException
        || e instanceof KeeperException.SessionExpiredException || e instanceof KeeperException.OperationTimeoutException;
    String what = op + " of " + collection + "/" + key;
    String text = unreachable
        ? "storage unavailable: ZooKeeper at " + connect + " cannot be reached (" + e.getClass().getSimpleName() + "); the "
            + what + (op.equals("write") || op.equals("remove") ? " may or may not have been applied" : " was not done")
            + "; retry once ZooKeeper is back"
        : "storage: " + what + " failed in ZooKeeper at " + connect + ": " + e;
    log.warn("{}", text);
    return new CocaineException(ErrorCode.IO_ERROR, text, e);
  }

  /** Refuses new calls and waits (10 s at most) for the accepted ones to end. */
  @Override
  public void close() {
    io.shutdown();
    expiry.shutdown();
    try {
      if (!io.awaitTermination(10, TimeUnit.SECONDS)) {
        log.warn("storage: ZooKeeper operations still running at close");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
