package cocaine.runtime;

import cocaine.cluster.metalocator.ClusterStart;
import cocaine.config.Settings;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * Starts the balancer role on its own: a locator on the well-known port that answers from the
 * cluster (metalocator + gateway), reading routing groups from the cluster storage.
 */
final class BalancerRole {
  private BalancerRole() {}

  static void start(ActorContext<Guardian.Command> ctx, Settings settings) {
    var system = ctx.getSystem();
    ClosableStorage storage = ClosableStorage.open(settings);
    CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
        "close-balancer-storage", () -> {
          storage.close();
          return java.util.concurrent.CompletableFuture.completedFuture(Done.getInstance());
        });
    ctx.pipeToSelf(ClusterStart.start(ctx, settings, storage), (started, failure) -> {
      if (failure != null) {
        return new Guardian.Failed("balancer", failure);
      }
      storage.watchGroups(group -> started.locator().tell(
          new cocaine.locator.Locator.Refresh(java.util.List.of(group), system.ignoreRef())));
      return new Guardian.Started("balancer", started.listening());
    });
  }
}
