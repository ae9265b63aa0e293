package cocaine.cluster.desired;

import cocaine.node.engine.Backoff;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * When convergence tries again a start or a record read that was refused for a reason that may pass
 * ({@link #retryable}): per key (an app, a record), a {@link Backoff} of 1 s doubling to 32 s while
 * refusals follow each other, forgotten once the key succeeds. Not thread-safe: the actor's own.
 */
final class Retries {
  private final Map<String, Backoff> backoffs = new HashMap<>();

  /**
   * A refusal that may pass, so the start or read is tried again: the storage is busy (its call queue
   * full, [12,11] {@code TRY_AGAIN}), unreachable ([12,5] {@code IO_ERROR}: ZooKeeper's connection lost,
   * its session expired) or closed ([7,3] {@code NOT_CONNECTED}). Not a timeout ([0x51FF,3]): the node
   * answers it for a version that failed its health gate, which a deploy rolls back.
   */
  static boolean retryable(CocaineException c) {
    return c.code().equals(ErrorCode.TRY_AGAIN) || c.code().equals(ErrorCode.IO_ERROR)
        || c.code().equals(ErrorCode.NOT_CONNECTED);
  }

  /** {@code key} was refused again at {@code nowNanos}: how long to wait before the next try. */
  Duration refused(String key, long nowNanos) {
    Backoff b = backoffs.getOrDefault(key, Backoff.NONE).crashed(nowNanos);
    backoffs.put(key, b);
    return b.delayAt(nowNanos);
  }

  /** {@code key} went through: its next refusal waits 1 s again. */
  void succeeded(String key) {
    backoffs.remove(key);
  }
}
