package cocaine.node.app;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The invocation services of the apps running on this node, by app name: the node service's
 * {@code enqueue} and {@code control} reach an app's service from the connection's own thread,
 * with no ask to the app's actor per call. Each {@link App} adds its service when it starts running
 * and removes it as it stops or breaks; readers on any thread.
 */
public final class RunningApps {
  private final ConcurrentMap<String, AppService> services = new ConcurrentHashMap<>();

  /** The app's service while it runs. */
  public Optional<AppService> find(String app) {
    return Optional.ofNullable(services.get(app));
  }

  /** How many apps run now. */
  public int count() {
    return services.size();
  }

  void add(String app, AppService service) {
    services.put(app, service);
  }

  /** Removes the entry only if it is still this service (a restarted app may have added its new one). */
  void remove(String app, AppService service) {
    services.remove(app, service);
  }
}
