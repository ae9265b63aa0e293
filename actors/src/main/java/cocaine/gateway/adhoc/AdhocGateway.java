package cocaine.gateway.adhoc;

import cocaine.gateway.Gateway;
import cocaine.locator.Endpoint;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.random.RandomGenerator;
import org.apache.pekko.Done;

/**
 * A plain node's table of the services other nodes publish (the original's {@code adhoc} gateway,
 * docs/protocol.md 5.4): no virtual endpoints, {@code resolve} hands the client the endpoints of one
 * node that runs the service, picked at random. Bounded: a (service, node) pair past the bound is
 * refused. Safe to call from any thread.
 */
public final class AdhocGateway implements Gateway {
  private final int maxReals;
  private final RandomGenerator random;
  /** service -> node uuid -> endpoints; only services with at least one node. */
  private final Map<String, Map<String, List<Endpoint>>> reals = new TreeMap<>();
  private int count;

  /**
   * @param maxReals (service, node) pairs kept at once; more are refused
   */
  public AdhocGateway(int maxReals, RandomGenerator random) {
    if (maxReals < 1) {
      throw new IllegalArgumentException("maxReals must be >= 1, got " + maxReals);
    }
    this.maxReals = maxReals;
    this.random = random;
  }

  /** Nothing to route until a node publishes it. */
  @Override
  public CompletionStage<Done> addService(String name) {
    return done();
  }

  @Override
  public synchronized CompletionStage<Done> removeService(String name) {
    Map<String, List<Endpoint>> gone = reals.remove(name);
    count -= gone == null ? 0 : gone.size();
    return done();
  }

  @Override
  public synchronized CompletionStage<Done> addReal(String name, String node, List<Endpoint> endpoints) {
    if (endpoints.isEmpty()) {
      return removeReal(name, node);
    }
    Map<String, List<Endpoint>> byNode = reals.computeIfAbsent(name, n -> new TreeMap<>());
    if (!byNode.containsKey(node) && count >= maxReals) {
      if (byNode.isEmpty()) {
        reals.remove(name);
      }
      return CompletableFuture.failedFuture(new CocaineException(ErrorCode.NO_SPACE, "node '" + node + "' publishes '"
          + name + "': the table of remote services is full, " + maxReals
          + " (service, node) pairs (cocaine.locator.remote.max-services)"));
    }
    if (byNode.put(node, List.copyOf(endpoints)) == null) {
      count++;
    }
    return done();
  }

  @Override
  public synchronized CompletionStage<Done> removeReal(String name, String node) {
    Map<String, List<Endpoint>> byNode = reals.get(name);
    if (byNode != null && byNode.remove(node) != null) {
      count--;
      if (byNode.isEmpty()) {
        reals.remove(name);
      }
    }
    return done();
  }

  /** The endpoints of one node publishing {@code name}, chosen at random (as the original's adhoc gateway). */
  @Override
  public synchronized CompletionStage<List<Endpoint>> resolve(String name) {
    Map<String, List<Endpoint>> byNode = reals.get(name);
    if (byNode == null) {
      return CompletableFuture.failedFuture(new CocaineException(ErrorCode.SERVICE_NOT_AVAILABLE,
          "service '" + name + "' is not available: no node of the cluster publishes it"));
    }
    List<List<Endpoint>> nodes = new ArrayList<>(byNode.values());
    return CompletableFuture.completedFuture(nodes.get(random.nextInt(nodes.size())));
  }

  @Override
  public synchronized CompletionStage<Done> close() {
    reals.clear();
    count = 0;
    return done();
  }

  /** (service, node) pairs held now. */
  synchronized int size() {
    return count;
  }

  private static CompletionStage<Done> done() {
    return CompletableFuture.completedFuture(Done.getInstance());
  }
}
