package cocaine.node;

import cocaine.node.app.Publisher;
import cocaine.locator.ServiceInfo;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.Done;

/** Records what the node publishes, like the locator's table. */
public final class FakePublisher implements Publisher {
  public final Map<String, ServiceInfo> published = new ConcurrentHashMap<>();

  @Override
  public CompletionStage<Done> publish(ServiceInfo service) {
    published.put(service.name(), service);
    return CompletableFuture.completedFuture(Done.getInstance());
  }

  @Override
  public CompletionStage<Done> unpublish(String name) {
    published.remove(name);
    return CompletableFuture.completedFuture(Done.getInstance());
  }
}
