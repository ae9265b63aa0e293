package cocaine.proxy;

import java.util.Optional;

/**
 * Whether a request goes to its app with {@code trace_bit} (verbose tracing), as the Rust proxy
 * decided it: the client's {@code X-Cocaine-Tracing-Policy} is {@code Auto} (the app's share from
 * {@code cocaine.proxy.trace-sampling}) or a chance from 0 to 1 for this request; a missing or
 * unreadable value counts as {@code Auto}. Pure: the random draw is a parameter.
 */
final class TracingPolicy {
  static final String HEADER = "X-Cocaine-Tracing-Policy";

  private TracingPolicy() {}

  /**
   * @param policy   the header's value, if the request has one
   * @param appShare the app's configured share of sampled requests, 0 to 1
   * @param draw     a uniform random number in [0, 1)
   */
  static boolean sampled(Optional<String> policy, double appShare, double draw) {
    return draw < chance(policy, appShare);
  }

  /** The chance of this request: the client's, when it gave a usable one, else the app's. */
  static double chance(Optional<String> policy, double appShare) {
    if (policy.isEmpty() || policy.get().trim().equals("Auto")) {
      return appShare;
    }
    try {
      double p = Double.parseDouble(policy.get().trim());
      return p >= 0 && p <= 1 ? p : appShare;
    } catch (NumberFormatException e) {
      return appShare;
    }
  }
}
