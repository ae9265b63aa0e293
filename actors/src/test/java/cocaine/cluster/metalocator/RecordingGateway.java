package cocaine.cluster.metalocator;

import cocaine.gateway.Gateway;
import cocaine.locator.Endpoint;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;

/** A gateway that only remembers its reals; resolve answers 127.0.0.9:&lt;1000 + reals&gt;. */
final class RecordingGateway implements Gateway {
  private final Map<String, Map<String, List<Endpoint>>> reals = new TreeMap<>();
  private final java.util.Set<String> refused = new java.util.HashSet<>();

  /** From now on, adding a real to {@code app} fails as a kernel refusing the rule would. */
  synchronized void refuseRealsOf(String app) {
    refused.add(app);
  }

  /** app -> node -> endpoints, a copy. */
  synchronized Map<String, Map<String, List<Endpoint>>> reals() {
    Map<String, Map<String, List<Endpoint>>> copy = new TreeMap<>();
    reals.forEach((app, byNode) -> {
      if (!byNode.isEmpty()) {
        copy.put(app, Map.copyOf(byNode));
      }
    });
    return copy;
  }

  @Override
  public synchronized CompletionStage<Done> addService(String name) {
    reals.computeIfAbsent(name, n -> new TreeMap<>());
    return CompletableFuture.completedFuture(Done.getInstance());
  }

  @Override
  public synchronized CompletionStage<Done> removeService(String name) {
    reals.remove(name);
    return CompletableFuture.completedFuture(Done.getInstance());
  }

  @Override
  public synchronized CompletionStage<Done> addReal(String name, String node, List<Endpoint> endpoints) {
    if (refused.contains(name)) {
      return CompletableFuture.failedFuture(new CocaineException(ErrorCode.IO_ERROR,
          "nft refused the table (exit 1): Error: Could not process rule: No such file or directory"));
    }
    reals.computeIfAbsent(name, n -> new TreeMap<>()).put(node, endpoints);
    return CompletableFuture.completedFuture(Done.getInstance());
  }

  @Override
  public synchronized CompletionStage<Done> removeReal(String name, String node) {
    reals.getOrDefault(name, new TreeMap<>()).remove(node);
    return CompletableFuture.completedFuture(Done.getInstance());
  }

  @Override
  public synchronized CompletionStage<List<Endpoint>> resolve(String name) {
    Map<String, List<Endpoint>> byNode = reals.get(name);
    if (byNode == null || byNode.isEmpty()) {
      return CompletableFuture.failedFuture(new CocaineException(ErrorCode.SERVICE_NOT_AVAILABLE, name + ": no real"));
    }
    return CompletableFuture.completedFuture(List.of(new Endpoint("127.0.0.9", 1000 + byNode.size())));
  }

  @Override
  public CompletionStage<Done> close() {
    return CompletableFuture.completedFuture(Done.getInstance());
  }
}
