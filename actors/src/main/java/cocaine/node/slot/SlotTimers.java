package cocaine.node.slot;

import java.time.Duration;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * A slot's three timers: its state's limit (spawn-, handshake-, seal- or terminate-timeout, each
 * replacing the last), the worker's heartbeat-timeout, and the earliest request deadline of its open
 * channels. A zero timeout in a profile means no limit. Owned by one slot actor.
 */
final class SlotTimers {
  private static final Object STATE = "state";
  private static final Object HEARTBEAT = "heartbeat";
  private static final Object DEADLINE = "deadline";
  /** The longest a deadline timer is set for; a later deadline is set again when it fires. */
  private static final long MAX_DEADLINE_NANOS = Duration.ofDays(1).toNanos();

  private final TimerScheduler<Slot.Command> timers;
  private final Duration heartbeat;
  private final Slot.Command heartbeatMissed;
  private final Slot.Command deadlinesDue;

  /**
   * @param heartbeatMissed what the slot hears when heartbeat-timeout passes without a heartbeat
   * @param deadlinesDue what the slot hears when the earliest deadline may have passed
   */
  SlotTimers(TimerScheduler<Slot.Command> timers, Duration heartbeat, Slot.Command heartbeatMissed,
      Slot.Command deadlinesDue) {
    this.timers = timers;
    this.heartbeat = heartbeat;
    this.heartbeatMissed = heartbeatMissed;
    this.deadlinesDue = deadlinesDue;
  }

  /** The new state's limit: {@code expired} comes after {@code limit}, unless the state changes first. */
  void state(Slot.Command expired, Duration limit) {
    arm(STATE, expired, limit);
  }

  /** The state has no limit any more. */
  void stateEnded() {
    timers.cancel(STATE);
  }

  /** A heartbeat came (or the worker is to be watched again): heartbeat-timeout starts over. */
  void heartbeat() {
    arm(HEARTBEAT, heartbeatMissed, heartbeat);
  }

  /** The worker is not to blame meanwhile (a client does not read, or it is on its way out). */
  void pauseHeartbeat() {
    timers.cancel(HEARTBEAT);
  }

  /** Sets the deadline timer for {@code atNanos} ({@link System#nanoTime()}); {@link Long#MAX_VALUE} leaves it. */
  void deadline(long atNanos) {
    if (atNanos == Long.MAX_VALUE) {
      return;
    }
    long delay = Math.max(0, Math.min(MAX_DEADLINE_NANOS, atNanos - System.nanoTime()));
    timers.startSingleTimer(DEADLINE, deadlinesDue, Duration.ofNanos(delay));
  }

  void cancelAll() {
    timers.cancelAll();
  }

  private void arm(Object key, Slot.Command message, Duration after) {
    if (after.isZero()) {
      timers.cancel(key);
    } else {
      timers.startSingleTimer(key, message, after);
    }
  }
}
