package cocaine.node.app;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.time.Duration;
import java.util.concurrent.CompletionException;

/**
 * The errors an app and its generations report, as {@code [category, code]} and words for people:
 * a start that failed, an engine that stopped, a version that failed its health gate or was
 * withdrawn, a rollover asked of an app that cannot roll over. No state.
 */
final class AppErrors {
  private AppErrors() {}

  /** The CocaineException inside a failed stage; anything else becomes an uncaught error. */
  static CocaineException asCocaine(Throwable t) {
    Throwable cause = t;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof CocaineException c) {
      return c;
    }
    return new CocaineException(ErrorCode.UNCAUGHT, String.valueOf(cause.getMessage() != null ? cause.getMessage() : cause));
  }

  /** Why {@code app}'s start failed, naming the app once. */
  static CocaineException startError(String app, Throwable t) {
    CocaineException c = asCocaine(t);
    if (c.getMessage() != null && c.getMessage().contains("'" + app + "'")) {
      return c;
    }
    return new CocaineException(c.code(), "app '" + app + "': " + c.getMessage(), c);
  }

  static CocaineException engineDied(String app) {
    return new CocaineException(ErrorCode.UNCAUGHT, "app '" + app + "': its engine stopped unexpectedly");
  }

  static CocaineException engineDied(String app, String version) {
    return new CocaineException(ErrorCode.UNCAUGHT, "app '" + app + "' version " + version
        + ": its engine stopped unexpectedly");
  }

  static CocaineException notRunning(String app, String why) {
    return new CocaineException(ErrorCode.NOT_RUNNING, "app '" + app + "' " + why + ": it cannot roll over");
  }

  static CocaineException withdrawn(String app, String version) {
    return new CocaineException(ErrorCode.NOT_RUNNING, "app '" + app + "' version " + version
        + " was withdrawn before it was ready");
  }

  /** The health event failed: {@code failure} says how. */
  static CocaineException notHealthy(String app, String version, String event, Throwable failure) {
    return new CocaineException(ErrorCode.NOT_HEALTHY, "app '" + app + "' version " + version
        + " is not healthy: its health event '" + event + "' " + asCocaine(failure).getMessage());
  }

  /** The health deadline passed: {@code event} is null when no worker handshook, else it did not answer. */
  static CocaineException notHealthyWithin(String app, String version, Duration deadline, String event) {
    return new CocaineException(ErrorCode.NOT_HEALTHY, "app '" + app + "' version " + version
        + " was not healthy within " + deadline + (event != null ? ": its health event '" + event
        + "' did not answer" : ": no worker handshook"));
  }
}
