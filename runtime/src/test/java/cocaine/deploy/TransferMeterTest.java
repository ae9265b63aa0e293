package cocaine.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A push's or pull's bytes over all its layers: a line per period with rate and time left, one at the end. */
class TransferMeterTest {
  private static final long S = 1_000_000_000L;

  @Test
  void tellsTheBytesOfAllLayersOncePerPeriodWithRateAndTimeLeft() {
    TransferMeter meter = new TransferMeter(0, Duration.ofSeconds(2));
    assertEquals(Optional.empty(), meter.update("a", 1 << 20, 4 << 20, S), "not before the period");
    Optional<String> line = meter.update("b", 1 << 20, 4 << 20, 2 * S);
    assertEquals(Optional.of("2.0 MiB of 8.0 MiB (25%) at 1.0 MiB/s, 6s left"), line);
    assertEquals(Optional.empty(), meter.update("a", 2 << 20, 4 << 20, 3 * S), "one line per period");
    assertEquals(25, TransferMeter.percent(line.get()));
    assertEquals(-1, TransferMeter.percent("push: a1b2: Pushed"));
    assertEquals(Optional.of("8.0 MiB in 4s (2.0 MiB/s)"), finished(meter));
  }

  @Test
  void aLayerWithoutATotalCountsNothingAndNothingCountedEndsWithoutALine() {
    TransferMeter meter = new TransferMeter(0, Duration.ZERO);
    assertEquals(Optional.empty(), meter.update("a", 10, 0, S));
    assertEquals(Optional.empty(), meter.finish(2 * S));
    assertThrows(IllegalArgumentException.class, () -> new TransferMeter(0, Duration.ofSeconds(-1)));
  }

  private static Optional<String> finished(TransferMeter meter) {
    meter.update("a", 4 << 20, 4 << 20, 4 * S);
    meter.update("b", 4 << 20, 4 << 20, 4 * S);
    Optional<String> end = meter.finish(4 * S);
    assertTrue(end.isPresent());
    return end;
  }
}
