package cocaine.gateway.userspace;

import cocaine.locator.Endpoint;
import java.util.List;

/**
 * A real for a client's connection, and the index of its endpoint to connect to: the real with the
 * fewest open connections (then the fewest so far), at its first endpoint not tried yet.
 */
record Choice(Real real, int endpoint) {

  /**
   * The real with the fewest open connections (then the fewest so far) with an endpoint not tried yet;
   * null when none has one.
   *
   * @param now      {@link System#nanoTime()}, against which {@link Real#downUntil} is read
   * @param skipDown pass over endpoints that refused a connection lately
   */
  static Choice leastLoaded(Iterable<Real> reals, List<Endpoint> tried, long now, boolean skipDown) {
    Choice best = null;
    for (Real r : reals) {
      for (int i = 0; i < r.endpoints().size(); i++) {
        Endpoint ep = r.endpoints().get(i);
        Long down = r.downUntil().get(ep);
        if (tried.contains(ep) || (skipDown && down != null && down - now > 0)) {
          continue;
        }
        if (best == null || r.active().get() < best.real().active().get()
            || (r.active().get() == best.real().active().get() && r.picks().get() < best.real().picks().get())) {
          best = new Choice(r, i);
        }
        break;
      }
    }
    return best;
  }
}
