package cocaine.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cocaine.model.InvalidModelException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RoutingGroupTest {

  @Test
  void weightsOfAnyIntegerTypeAreRead() {
    RoutingGroup g = RoutingGroup.fromMap("echo", Map.of("echo_v1", 1, "echo_v2", 3L, "echo_v3", 0));
    assertEquals(Map.of("echo_v1", 1L, "echo_v2", 3L, "echo_v3", 0L), g.weights());
    assertEquals(4, g.totalWeight());
    assertEquals(g, RoutingGroup.fromMap(g.toMap()));
  }

  @Test
  void negativeWeightIsRefusedNamingGroupAndApp() {
    InvalidModelException e = assertThrows(InvalidModelException.class,
        () -> RoutingGroup.fromMap("echo", Map.of("echo_v1", -1)));
    assertEquals("routing group 'echo': 'echo_v1' must be a non-negative integer up to 4294967295, got -1",
        e.getMessage());
  }

  @Test
  void fractionalWeightIsRefused() {
    InvalidModelException e = assertThrows(InvalidModelException.class,
        () -> RoutingGroup.fromMap("echo", Map.of("echo_v1", 1.5)));
    assertEquals("routing group 'echo': 'echo_v1' must be a non-negative integer up to 4294967295, got 1.5",
        e.getMessage());
  }

  @Test
  void weightAboveUint32IsRefused() {
    assertThrows(InvalidModelException.class, () -> RoutingGroup.fromMap(Map.of("a", 1L << 32)));
  }

  @Test
  void allZeroWeightsAreRefused() {
    InvalidModelException e = assertThrows(InvalidModelException.class,
        () -> RoutingGroup.fromMap("echo", Map.of("echo_v1", 0, "echo_v2", 0)));
    assertEquals("routing group 'echo': weights must sum to more than 0, got 0 over 2 apps", e.getMessage());
  }

  @Test
  void emptyGroupIsRefused() {
    assertThrows(InvalidModelException.class, () -> RoutingGroup.fromMap("echo", Map.of()));
  }

  @Test
  void emptyAppNameIsRefused() {
    InvalidModelException e = assertThrows(InvalidModelException.class,
        () -> RoutingGroup.fromMap("echo", Map.of("", 1)));
    assertEquals("routing group 'echo': app names must be non-empty strings, got \"\"", e.getMessage());
  }
}
