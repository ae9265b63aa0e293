package cocaine.node.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TrafficTest {
  private static Traffic.Route route(String version, int weight) {
    return new Traffic.Route(version, null, null, weight, new AtomicInteger());
  }

  private static Map<String, Integer> split(Traffic t, int channels) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < channels; i++) {
      counts.merge(t.pick().version(), 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void aCanaryOfTwentyPercentTakesExactlyAFifthOfEveryHundredChannels() {
    Traffic t = new Traffic(List.of(route("1", 80), route("2", 20)));
    for (int round = 0; round < 50; round++) {
      assertEquals(Map.of("1", 80, "2", 20), split(t, 100), "round " + round);
    }
  }

  @Test
  void theCanaryIsSpreadNotBunched() {
    Traffic t = new Traffic(List.of(route("1", 80), route("2", 20)));
    int run = 0;
    int longest = 0;
    for (int i = 0; i < 1000; i++) {
      run = t.pick().version().equals("1") ? run + 1 : 0;
      longest = Math.max(longest, run);
    }
    assertEquals(4, longest, "at most 4 stable channels between two canary ones");
  }

  @Test
  void aSwitchAppliesFromTheNextChannelAndAZeroWeightTakesNone() {
    Traffic t = new Traffic(List.of(route("1", 100)));
    assertEquals(Map.of("1", 10), split(t, 10));
    t.set(List.of(route("1", 0), route("2", 100)));
    assertEquals(Map.of("2", 10), split(t, 10));
  }

  @Test
  void trafficWithoutAWeightIsRefusedNamingTheRoutes() {
    var e = assertThrows(IllegalArgumentException.class, () -> new Traffic(List.of(route("1", 0))));
    assertEquals(true, e.getMessage().contains("weight above 0"), e.getMessage());
  }
}
