package cocaine.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** A stored percent wins over the configured {@code trace-sampling}, which wins over its {@code *}. */
class TraceSamplingTest {
  final TraceSampling sampling = new TraceSampling(ProxyConfig.from(ProxyConfigTest.settings(
      "trace-sampling = [{ app = echo, percent = 5 }, { app = \"*\", percent = 1 }]")));

  @Test
  void storedThenConfiguredThenStar() {
    assertEquals(0.05, sampling.share("echo"), 1e-9);
    assertEquals(0.01, sampling.share("web"), 1e-9);
    sampling.put("echo", 0.0);
    sampling.put("web", 100.0);
    assertEquals(0.0, sampling.share("echo"));
    assertEquals(1.0, sampling.share("web"));
    sampling.put("echo", null);
    assertEquals(0.05, sampling.share("echo"), 1e-9);
    assertEquals(Map.of("web", 100.0), sampling.stored());
  }

  @Test
  void aStoredPercentMustBeANumberFrom0To100() {
    assertEquals(12.5, sampling.parse("echo", 12.5));
    assertEquals(100.0, sampling.parse("echo", 100L));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> sampling.parse("echo", 101L)).getMessage()
        .contains("tracing/echo must be a percent from 0 to 100, got 101"));
    assertThrows(IllegalArgumentException.class, () -> sampling.parse("echo", -1));
    assertThrows(IllegalArgumentException.class, () -> sampling.parse("echo", "50"));
    assertThrows(IllegalArgumentException.class, () -> sampling.parse("echo", Double.NaN));
  }
}
