package cocaine.node.engine;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;

/**
 * Whether an app's queue takes one more event (docs/protocol.md 4.3): below the profile's
 * queue-limit, or with queue-limit 0 while the pool's free capacity (pool-limit x concurrency
 * minus the load) exceeds the queue. No actors, no clock.
 */
record Admission(int queueLimit, int poolLimit, int concurrency) {
  Admission {
    if (queueLimit < 0 || poolLimit < 1 || concurrency < 1) {
      throw new IllegalArgumentException("queueLimit: " + queueLimit + ", poolLimit: " + poolLimit + ", concurrency: "
          + concurrency + " (expected: queueLimit >= 0, the others >= 1)");
    }
  }

  /** @param load the channels open on the pool's workers */
  boolean admits(int queued, long load) {
    if (queueLimit > 0) {
      return queued < queueLimit;
    }
    long capacity = (long) poolLimit * concurrency - load;
    return capacity > queued;
  }

  /** What a refused event's client hears. */
  CocaineException refusal(String app, int queued) {
    return new CocaineException(ErrorCode.QUEUE_IS_FULL, "app '" + app + "': queue is full (" + queued
        + " of queue-limit " + queueLimit + ")");
  }
}
