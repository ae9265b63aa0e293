package cocaine.locator;

import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Where the {@link Locator} looks for a name it does not serve itself: the balancer's metalocator
 * ("remote_only" policy, docs/protocol.md 5.4: local services first, then this).
 */
public interface RemoteResolver {
  /** The service as other nodes publish it; fails with a {@code CocaineException}, {@code [10, 1]} when no node has it. */
  CompletionStage<ServiceInfo> resolve(String name);

  /** The nodes known to the cluster: uuid -> endpoint of that node's locator. */
  CompletionStage<Map<String, Endpoint>> cluster();
}
