package cocaine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code cocaine status} refuses a bad pace before it asks the runtime anything. */
class StatusCommandTest {
  @Test
  void aZeroIntervalOrCountIsRefusedWithTheValue() {
    CliRun zero = CliRun.of("status", "--interval", "0s", "--port", "1");
    assertEquals(2, zero.exit(), zero.toString());
    assertTrue(zero.err().contains("--interval must be positive, e.g. 1s; got PT0S"), zero.toString());
    CliRun none = CliRun.of("status", "--watch", "--count", "0", "--port", "1");
    assertEquals(2, none.exit(), none.toString());
    assertTrue(none.err().contains("--count must be at least 1; got 0"), none.toString());
  }

  @Test
  void noRuntimeSaysHowToStartOne() {
    CliRun r = CliRun.of("status", "--host", "127.0.0.1", "--port", "1");
    assertEquals(1, r.exit(), r.toString());
    assertTrue(r.err().contains("no runtime at 127.0.0.1:1") && r.err().contains("scripts/quickstart.sh"), r.toString());
  }
}
