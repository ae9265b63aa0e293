package cocaine.gateway.kernel;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The one thread a kernel gateway changes its rules on, in order, with a bounded queue: a change
 * beyond the bound, or after {@link #shutdown()}, fails at once with an error naming the setting.
 */
public final class ChangeQueue {
  private final ThreadPoolExecutor worker;
  private final String gateway;
  private final int limit;
  private final String limitKey;

  /**
   * @param gateway  e.g. "ipvs", for the thread's name and the errors
   * @param limit    changes that may wait
   * @param limitKey the setting of {@code limit}, named in the error when it is reached
   */
  public ChangeQueue(String gateway, int limit, String limitKey) {
    this.gateway = gateway;
    this.limit = limit;
    this.limitKey = limitKey;
    this.worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(limit), r -> {
      Thread t = new Thread(r, "cocaine-" + gateway);
      t.setDaemon(true);
      return t;
    });
  }

  /** Runs {@code change} after the changes already queued; completes with its result or its failure. */
  public <T> CompletionStage<T> submit(Supplier<T> change) {
    CompletableFuture<T> result = new CompletableFuture<>();
    try {
      worker.execute(() -> {
        try {
          result.complete(change.get());
        } catch (RuntimeException e) {
          result.completeExceptionally(e);
        }
      });
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(new CocaineException(ErrorCode.TRY_AGAIN, worker.isShutdown()
          ? "the " + gateway + " gateway is closed" : "the " + gateway + " gateway has " + limit
          + " changes waiting (" + limitKey + ")"));
    }
    return result;
  }

  /** Runs what is queued, then lets the thread end; later changes fail. */
  public void shutdown() {
    worker.shutdown();
  }
}
