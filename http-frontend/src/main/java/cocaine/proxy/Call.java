package cocaine.proxy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.http.javadsl.model.HttpRequest;

/**
 * What one HTTP request carries through its attempts: the request, where it goes, its trace, and
 * its deadline (the app's timeout from the request's start).
 *
 * @param timeoutConfigured the app (or event) has a timeout of its own, sent to it as {@code request_timeout}
 * @param traceBit   the request was sampled for verbose tracing: the app gets {@code trace_bit}
 * @param reachedPool set once a pool granted a connection: from then on a refusal counts for the app
 * @param answered set once the app's response ended in full, so the channel's end closes it rather than fails it
 * @param bodyHeld bytes of the {@link BodyBudget} this request holds, given back when it ends
 */
record Call(HttpRequest request, Route route, Trace trace, long startNanos, Duration timeout,
    boolean timeoutConfigured, boolean traceBit, AtomicBoolean reachedPool, AtomicBoolean answered,
    AtomicLong bodyHeld) {
  Call(HttpRequest request, Route route, Trace trace, long startNanos, Timeouts.Timeout timeout, boolean traceBit) {
    this(request, route, trace, startNanos, timeout.value(), timeout.configured(), traceBit, new AtomicBoolean(),
        new AtomicBoolean(), new AtomicLong());
  }

  long deadlineNanos() {
    return startNanos + timeout.toNanos();
  }

  Duration remaining() {
    return Duration.ofNanos(Math.max(1_000_000, deadlineNanos() - System.nanoTime()));
  }

  String app() {
    return route.app();
  }

  /** The app's timeout as the error texts say it: "30 s", "1500 ms". */
  String timeoutText() {
    return timeout.toMillis() % 1000 == 0 ? timeout.toSeconds() + " s" : timeout.toMillis() + " ms";
  }
}
