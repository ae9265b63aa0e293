package cocaine.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SpanRingTest {
  private static void put(SpanRing ring, long n) {
    ring.put(n, n, n, n, Span.PROXY, "node", "app-" + n, "", 0, 1, null, Map.of("id", n));
  }

  @Test
  void aSpanIsReadBackWhileItsSlotHoldsItAndNotOnceOverwritten() {
    SpanRing ring = new SpanRing(4);
    put(ring, 1);
    assertEquals("app-1", ring.get(1).app());
    assertEquals(Map.of("id", 1L), ring.get(1).attributes());
    put(ring, 5); // the same slot, one lap on
    assertNull(ring.get(1));
    assertEquals("app-5", ring.get(5).app());
  }

  /** A writer that stalled for a whole lap of the ring comes back to a slot that holds a newer span. */
  @Test
  void aLateWriterDoesNotOverwriteANewerSpan() {
    SpanRing ring = new SpanRing(4);
    put(ring, 5);
    put(ring, 1); // numbered before 5, same slot, written after it
    assertNull(ring.get(1));
    assertEquals(Map.of("id", 5L), ring.get(5).attributes());
    assertEquals(5L, ring.get(5).traceId());
  }
}
