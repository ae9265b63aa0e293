package cocaine.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TimeoutsTest {
  final Timeouts timeouts = new Timeouts(Duration.ofSeconds(30), Map.of("echo", Duration.ofSeconds(5)));

  @Test
  void withoutATimeoutOfItsOwnAnAppHasTheProxysAndItIsNotSent() {
    assertEquals(new Timeouts.Timeout(Duration.ofSeconds(30), false), timeouts.of("other", "any"));
    assertEquals(new Timeouts.Timeout(Duration.ofSeconds(5), true), timeouts.of("echo", "any"));
  }

  @Test
  void storedTimeoutsComeFirstTheEventsOwnBeforeTheAppsAndApplyLive() {
    timeouts.put("echo", Map.of("", Duration.ofSeconds(2), "slow", Duration.ofSeconds(60)));
    assertEquals(new Timeouts.Timeout(Duration.ofSeconds(60), true), timeouts.of("echo", "slow"));
    assertEquals(new Timeouts.Timeout(Duration.ofSeconds(2), true), timeouts.of("echo", "fast"));
    timeouts.put("echo", Map.of("slow", Duration.ofSeconds(60)));
    // no app-wide stored one: the configuration's app timeout again
    assertEquals(Duration.ofSeconds(5), timeouts.of("echo", "fast").value());
    timeouts.put("echo", Map.of());
    assertEquals(Duration.ofSeconds(5), timeouts.of("echo", "slow").value());
    assertTrue(timeouts.stored().isEmpty());
  }

  @Test
  void theStoredObjectIsEventToSecondsAndABadOneIsRefusedNamingTheEntry() {
    assertEquals(Map.of("", Duration.ofMillis(1500), "slow", Duration.ofSeconds(60)),
        timeouts.parse("echo", Map.of("", 1.5, "slow", 60L)));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> timeouts.parse("echo", Map.of("x", 0)))
        .getMessage().contains("x = 0"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> timeouts.parse("echo", Map.of("x", "5s")))
        .getMessage().contains("timeouts/echo"));
    assertThrows(IllegalArgumentException.class, () -> timeouts.parse("echo", 5));
  }
}
