package cocaine.cluster.desired;

import cocaine.node.engine.Backoff;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * When convergence tries again a start or a record read that was refused for a reason that may pass
 * ({@link #retryable}): per key (an app, a record), a {@link Backoff} of 1 s doubling to 32 s while
 * refusals follow each other, forgotten once the key succeeds. A timeout is tried again at most
 * {@link #TIMEOUT_TRIES} times in a row, as something that never answers may never do. Not
 * thread-safe: the actor's own.
 */
final class Retries {
  /** Timeouts in a row after which a key is given up (broken until its desired record changes). */
  static final int TIMEOUT_TRIES = 5;

  private record Tries(Backoff backoff, int timeouts) {}

  private final Map<String, Tries> tries = new HashMap<>();

  /**
   * A refusal that may pass, so the start or read is tried again: the storage is busy (its call queue
   * full, [12,11] {@code TRY_AGAIN}), unreachable ([12,5] {@code IO_ERROR}: ZooKeeper's connection lost,
   * its session expired), closed ([7,3] {@code NOT_CONNECTED}), or slow ([0x51FF,3] {@code TIMEOUT}: a
   * busy storage, a slow image pull, a node that did not answer in time). Not [0x51FF,9]
   * {@code NOT_HEALTHY}: that version failed its health gate, which a deploy rolls back.
   */
  static boolean retryable(CocaineException c) {
    return c.code().equals(ErrorCode.TRY_AGAIN) || c.code().equals(ErrorCode.IO_ERROR)
        || c.code().equals(ErrorCode.NOT_CONNECTED) || c.code().equals(ErrorCode.TIMEOUT);
  }

  /**
   * {@code key} was refused with {@code cause} at {@code nowNanos}: how long to wait before the next
   * try, or empty when it is not tried again (a permanent refusal, or one timeout too many).
   */
  Optional<Duration> refused(String key, CocaineException cause, long nowNanos) {
    if (!retryable(cause)) {
      return Optional.empty();
    }
    Tries last = tries.getOrDefault(key, new Tries(Backoff.NONE, 0));
    int timeouts = cause.code().equals(ErrorCode.TIMEOUT) ? last.timeouts() + 1 : 0;
    if (timeouts > TIMEOUT_TRIES) {
      tries.remove(key);
      return Optional.empty();
    }
    Backoff b = last.backoff().crashed(nowNanos);
    tries.put(key, new Tries(b, timeouts));
    return Optional.of(b.delayAt(nowNanos));
  }

  /** {@code key} went through: its next refusal waits 1 s again. */
  void succeeded(String key) {
    tries.remove(key);
  }
}
