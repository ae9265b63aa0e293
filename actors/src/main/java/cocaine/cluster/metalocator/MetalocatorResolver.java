package cocaine.cluster.metalocator;

import cocaine.locator.Endpoint;
import cocaine.locator.Locator;
import cocaine.locator.RemoteResolver;
import cocaine.locator.ServiceInfo;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * Plugs the {@link Metalocator} into a {@link Locator} ({@code UseRemote}): names the locator does
 * not serve itself resolve to the gateway's virtual endpoints, and {@code cluster} lists the linked nodes.
 */
public final class MetalocatorResolver implements RemoteResolver {
  private final ActorRef<Metalocator.Command> metalocator;
  private final Scheduler scheduler;
  private final Duration timeout;

  public MetalocatorResolver(ActorRef<Metalocator.Command> metalocator, Scheduler scheduler, Duration timeout) {
    this.metalocator = metalocator;
    this.scheduler = scheduler;
    this.timeout = timeout;
  }

  @Override
  public CompletionStage<ServiceInfo> resolve(String name) {
    return AskPattern.<Metalocator.Command, Locator.Resolved>ask(metalocator, r -> new Metalocator.Resolve(name, r),
            timeout, scheduler)
        .thenCompose(resolved -> resolved instanceof Locator.Resolved.Ok ok
            ? CompletableFuture.completedFuture(ok.info())
            : CompletableFuture.failedFuture(((Locator.Resolved.Failed) resolved).error()));
  }

  @Override
  public CompletionStage<Map<String, Endpoint>> cluster() {
    return AskPattern.<Metalocator.Command, Locator.Nodes>ask(metalocator, Metalocator.Cluster::new, timeout, scheduler)
        .thenApply(Locator.Nodes::nodes);
  }
}
