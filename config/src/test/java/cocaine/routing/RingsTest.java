package cocaine.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.msgpack.value.Value;
import org.msgpack.value.ValueFactory;

class RingsTest {
  static final Map<String, Long> SPEC_GROUP = Map.of("app-v1", 1L, "app-v2", 3L);

  /** The arguments of a {@code routing} write for these groups, as the locator builds them. */
  static List<Value> write(Map<String, Map<String, Long>> groups) {
    ValueFactory.MapBuilder map = ValueFactory.newMapBuilder();
    new TreeMap<>(groups).forEach((name, weights) -> {
      List<Value> points = new ArrayList<>();
      Continuum.of(new RoutingGroup(weights)).points().forEach(p -> points.add(ValueFactory.newArray(
          ValueFactory.newInteger(p.getKey()), ValueFactory.newString(p.getValue()))));
      map.put(ValueFactory.newString(name), ValueFactory.newArray(points));
    });
    return List.of(map.build());
  }

  /** Each member's share of the uint32 space on the ring: what a uniform random pick converges to. */
  static Map<String, Double> shares(Map<String, Long> weights) {
    return Continuum.of(new RoutingGroup(weights)).shares();
  }

  @Test
  void stickySeedsPickTheSpecsMembers() {
    Rings rings = Rings.fromWrite(write(Map.of("app", SPEC_GROUP)));
    // docs/protocol.md 4.5 test vectors
    assertEquals(Optional.of("app-v2"), rings.member("app", Optional.of("user-1")));
    assertEquals(Optional.of("app-v1"), rings.member("app", Optional.of("user-5")));
    assertEquals(Optional.of("app-v1"), rings.member("app", Optional.of("user-6")));
    assertEquals(Optional.of("app-v2"), rings.member("app", Optional.of("alice")));
  }

  @Test
  void stickySeedsPickWhatTheLocatorsContinuumPicks() {
    Map<String, Long> weights = Map.of("echo_v1", 80L, "echo_v2", 20L);
    Rings rings = Rings.fromWrite(write(Map.of("echo", weights)));
    Continuum continuum = Continuum.of(new RoutingGroup(weights));
    for (int i = 0; i < 2000; i++) {
      String seed = "user-" + i;
      assertEquals(Optional.of(continuum.pick(seed)), rings.member("echo", Optional.of(seed)), seed);
    }
  }

  @Test
  void withoutASeedThePicksFollowTheRingsShares() {
    Map<String, Long> weights = Map.of("a", 80L, "b", 20L);
    Rings rings = Rings.fromWrite(write(Map.of("g", weights)));
    int n = 200_000;
    int a = 0;
    for (int i = 0; i < n; i++) {
      a += rings.member("g", i % 2 == 0 ? Optional.empty() : Optional.of("")).orElseThrow().equals("a") ? 1 : 0;
    }
    // sd of the share is 0.1 point here: 0.5 point is five of them
    assertEquals(shares(weights).get("a"), a / (double) n, 0.005);
  }

  @Test
  void aNameThatIsNoGroupHasNoMember() {
    Rings rings = Rings.fromWrite(write(Map.of("app", SPEC_GROUP)));
    assertEquals(Optional.empty(), rings.member("app-v1", Optional.empty()));
    assertEquals(Optional.empty(), Rings.NONE.member("app", Optional.of("alice")));
  }

  @Test
  void aMalformedWriteIsRefusedSayingWhere() {
    assertThrows(IllegalArgumentException.class, () -> Rings.fromWrite(List.of(ValueFactory.newString("x"))));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Rings.fromWrite(List.of(
        ValueFactory.newMapBuilder().put(ValueFactory.newString("g"), ValueFactory.newArray(ValueFactory.newArray(ValueFactory.newInteger(5),
            ValueFactory.newString("a")), ValueFactory.newArray(ValueFactory.newInteger(3), ValueFactory.newString("b")))).build())));
    assertTrue(e.getMessage().contains("group 'g'") && e.getMessage().contains("ascending"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Rings.fromWrite(List.of(
        ValueFactory.newMapBuilder().put(ValueFactory.newString("g"), ValueFactory.newArray(ValueFactory.newArray(ValueFactory.newString("a")))).build())));
    assertTrue(e.getMessage().contains("[uint32, app]"), e.getMessage());
  }

  @Test
  void changesNameGroupsAddedChangedAndRemoved() {
    Rings before = Rings.fromWrite(write(Map.of("same", SPEC_GROUP, "moved", SPEC_GROUP, "gone", SPEC_GROUP)));
    Rings after = Rings.fromWrite(write(Map.of("same", SPEC_GROUP, "moved", Map.of("app-v1", 1L), "new",
        SPEC_GROUP)));
    assertEquals(Set.of("moved", "gone", "new"), after.changedFrom(before));
    assertEquals(Set.of(), after.changedFrom(after));
  }
}
