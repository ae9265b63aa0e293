package cocaine.node.slot;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.time.Duration;
import java.util.concurrent.CompletionException;

/**
 * How a worker's life ended, as its slot reports it in {@link Slot.Died}: the cause its open
 * sessions fail with, and whether the runtime did not ask for it ({@code abnormal}: a crash, which
 * counts for the respawn back-off). A null cause means "word it from the exit code". The factories
 * word each cause with {@code who}, the worker as log lines and clients name it.
 */
record Ending(CocaineException cause, boolean abnormal) {
  /** The pipe closed before the worker exited: a crash, worded from the exit code once it comes. */
  static final Ending PIPE_CLOSED = new Ending(null, true);

  /** A crash for {@code cause} (a missed timeout). */
  static Ending crashed(CocaineException cause) {
    return new Ending(cause, true);
  }

  /** The runtime asked the worker to exit with {@code code} for {@code reason}. */
  static Ending terminated(String who, ErrorCode code, String reason) {
    return new Ending(new CocaineException(code, who + " was terminated: " + reason), false);
  }

  static Ending sealedBeforeStart(String who) {
    return new Ending(new CocaineException(ErrorCode.SLAVE_IS_SEALING, who + " was sealed before it started"), false);
  }

  /** As the original's slave: its sessions fail with {@code error::resource_error}, "unexpectedly disconnected". */
  static Ending died(String who, int exitCode) {
    return new Ending(new CocaineException(ErrorCode.RESOURCE, who + " has unexpectedly disconnected: it died with "
        + "exit code " + exitCode), true);
  }

  static Ending exitedBeforeHandshake(String who, int exitCode) {
    return new Ending(new CocaineException(ErrorCode.UNKNOWN_ACTIVATE, who + " exited with code " + exitCode
        + " before its handshake"), true);
  }

  /** The isolate's own error when it gave one, else an activate error naming {@code failure}. */
  static Ending spawnFailed(String who, Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    if (cause instanceof CocaineException e) {
      return new Ending(e, true);
    }
    return new Ending(new CocaineException(ErrorCode.UNKNOWN_ACTIVATE, who + " could not be started: " + cause), true);
  }

  /** Once the exit code is known: this ending, or "died with exit code" when it had no cause yet. */
  Ending withExitCode(String who, int exitCode) {
    return cause != null ? this : new Ending(died(who, exitCode).cause(), abnormal);
  }

  /** The worker missed {@code field} ({@code limit}); {@code what} it failed to do, e.g. "sent no heartbeat". */
  static CocaineException timedOut(String who, ErrorCode code, String what, String field, Duration limit) {
    return new CocaineException(code, who + " " + what + " within " + field + " (" + seconds(limit) + " s)");
  }

  private static String seconds(Duration d) {
    double s = d.toMillis() / 1000.0;
    return s == Math.rint(s) ? String.valueOf((long) s) : String.valueOf(s);
  }
}
