package cocaine.node.app;

import cocaine.model.Profile;
import cocaine.node.engine.Engine;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Which generation of an app takes each new channel: a smooth weighted round-robin over the
 * generations that serve (deterministic, so 5,000 channels at 80/20 split exactly 4,000/1,000),
 * and per generation the channels still open on it, which its retirement waits for. Safe from the
 * service's connections and the app's actor at once; a switch applies to the next channel.
 */
public final class Traffic {
  /**
   * One serving generation.
   *
   * @param version  the version it runs, as the desired state names it (empty: the current objects)
   * @param weight   its part of the new channels (0 = none)
   * @param inFlight channels open on it
   */
  public record Route(String version, Profile profile, ActorRef<Engine.Command> engine, int weight,
      AtomicInteger inFlight) {
    Route withWeight(int w) {
      return new Route(version, profile, engine, w, inFlight);
    }
  }

  private List<Route> routes;
  private int[] current;

  public Traffic(List<Route> routes) {
    set(routes);
  }

  /** Serves with {@code next} from the next channel on; every route's weight counts from zero again. */
  public synchronized void set(List<Route> next) {
    if (next.isEmpty() || next.stream().mapToInt(Route::weight).sum() <= 0) {
      throw new IllegalArgumentException("traffic needs a route with a weight above 0, got " + next);
    }
    routes = List.copyOf(next);
    current = new int[routes.size()];
  }

  public synchronized List<Route> routes() {
    return routes;
  }

  /** The route of a new channel (the caller counts it in {@link Route#inFlight()} until it ends). */
  public synchronized Route pick() {
    if (routes.size() == 1) {
      return routes.get(0);
    }
    int total = 0;
    int best = -1;
    for (int i = 0; i < routes.size(); i++) {
      int w = routes.get(i).weight();
      total += w;
      current[i] += w;
      if (w > 0 && (best < 0 || current[i] > current[best])) {
        best = i;
      }
    }
    current[best] -= total;
    return routes.get(best);
  }
}
