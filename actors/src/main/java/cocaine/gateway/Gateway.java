package cocaine.gateway;

import cocaine.config.BalancerSettings;
import cocaine.config.Settings;
import cocaine.locator.Endpoint;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Routes clients of the balancer to the nodes that run an app (docs/protocol.md 5.4): one virtual
 * service per app, one real per (node, app), and {@code resolve} answers with the virtual
 * endpoints. Implementations apply calls in the order they are made and are safe to call from any
 * thread; a failed call completes its stage with a {@link cocaine.wire.CocaineException}.
 */
public interface Gateway {
  /** Creates the app's virtual service if it does not exist yet. */
  CompletionStage<Done> addService(String name);

  /** Removes the app's virtual service and its reals; unknown names are fine. */
  CompletionStage<Done> removeService(String name);

  /**
   * Adds, or replaces, the real of {@code node} for the app, creating the virtual service if needed.
   *
   * @param endpoints where the node serves the app, in order of preference
   */
  CompletionStage<Done> addReal(String name, String node, List<Endpoint> endpoints);

  /** Removes the node's real from the app; unknown pairs are fine. The virtual service stays (as in 0.12). */
  CompletionStage<Done> removeReal(String name, String node);

  /** The app's virtual endpoints; fails with {@code [10, 1]} while it has no real. */
  CompletionStage<List<Endpoint>> resolve(String name);

  /** Removes everything this gateway set up (listeners, kernel rules). */
  CompletionStage<Done> close();

  /**
   * The gateway {@code cocaine.balancer.gateway} names, from the {@link GatewayProvider}s on the
   * class path: userspace in this module, the kernel ones (nftables, ipvs) in module ipvs-native.
   *
   * @throws IllegalStateException when no provider on the class path offers the configured kind
   */
  static Gateway open(ActorSystem<?> system, Settings settings) {
    BalancerSettings.Gateway kind = settings.balancer().gateway();
    for (GatewayProvider provider : ServiceLoader.load(GatewayProvider.class, Gateway.class.getClassLoader())) {
      if (provider.kind() == kind) {
        return provider.open(system, settings);
      }
    }
    throw new IllegalStateException("cocaine.balancer.gateway = " + kind.name().toLowerCase(java.util.Locale.ROOT)
        + " needs module cocaine-ipvs-native on the class path; use userspace where it is missing");
  }
}
