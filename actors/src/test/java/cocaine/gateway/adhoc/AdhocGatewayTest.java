package cocaine.gateway.adhoc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.locator.Endpoint;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

class AdhocGatewayTest {
  static final List<Endpoint> A = List.of(new Endpoint("10.0.0.1", 4001), new Endpoint("fd00::1", 4001));
  static final List<Endpoint> B = List.of(new Endpoint("10.0.0.2", 4002));

  final AdhocGateway table = new AdhocGateway(3, new SplittableRandom(7));

  static <T> T join(CompletionStage<T> stage) {
    return stage.toCompletableFuture().join();
  }

  static CocaineException failure(CompletionStage<?> stage) {
    CompletionException e = assertThrows(CompletionException.class, () -> join(stage));
    return assertInstanceOf(CocaineException.class, e.getCause());
  }

  @Test
  void resolveHandsOutTheWholeEndpointListOfOneNodePickedAtRandom() {
    join(table.addReal("echo", "node-a", A));
    join(table.addReal("echo", "node-b", B));
    Set<List<Endpoint>> seen = new HashSet<>();
    for (int i = 0; i < 100; i++) {
      seen.add(join(table.resolve("echo")));
    }
    assertEquals(Set.of(A, B), seen, "both nodes are picked, each with all its endpoints");
  }

  @Test
  void aWithdrawnNodeIsNoLongerHandedOutAndTheLastOneLeavingMakesTheNameUnavailable() {
    join(table.addReal("echo", "node-a", A));
    join(table.addReal("echo", "node-b", B));
    join(table.removeReal("echo", "node-a"));
    for (int i = 0; i < 20; i++) {
      assertEquals(B, join(table.resolve("echo")));
    }
    join(table.addReal("echo", "node-b", List.of()));
    CocaineException e = failure(table.resolve("echo"));
    assertEquals(ErrorCode.SERVICE_NOT_AVAILABLE, e.code());
    assertTrue(e.getMessage().contains("'echo'") && e.getMessage().contains("no node"), e.getMessage());
    assertEquals(0, table.size());
  }

  @Test
  void pairsPastTheBoundAreRefusedNamingTheKeyAndReplacingAKnownPairStillWorks() {
    join(table.addReal("echo", "node-a", A));
    join(table.addReal("echo", "node-b", B));
    join(table.addReal("web", "node-a", A));
    CocaineException e = failure(table.addReal("api", "node-b", B));
    assertEquals(ErrorCode.NO_SPACE, e.code());
    assertTrue(e.getMessage().contains("'api'") && e.getMessage().contains("node-b")
        && e.getMessage().contains("cocaine.locator.remote.max-services"), e.getMessage());
    assertEquals(ErrorCode.SERVICE_NOT_AVAILABLE, failure(table.resolve("api")).code(), "no half-made entry is left");

    join(table.addReal("web", "node-a", B));
    assertEquals(B, join(table.resolve("web")), "a node's new endpoints replace its old ones");
    join(table.removeService("echo"));
    join(table.addReal("api", "node-b", B));
    assertEquals(B, join(table.resolve("api")), "room made by a removal is usable");
    assertEquals(2, table.size());
  }

  @Test
  void aBoundBelowOneIsRefusedWithItsValue() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new AdhocGateway(0, new SplittableRandom()));
    assertTrue(e.getMessage().contains("0"), e.getMessage());
  }
}
