package cocaine.node.isolate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutputRingTest {
  private static void feed(OutputRing ring, String text) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    ring.feed(b, 0, b.length);
  }

  @Test
  void keepsOnlyTheLastLinesAndTheUnterminatedTail() {
    List<String> logged = new ArrayList<>();
    OutputRing ring = new OutputRing(2, 64, logged::add);

    feed(ring, "one\ntwo\r\nthr");
    feed(ring, "ee\nfour");

    assertEquals(List.of("two", "three", "four"), ring.snapshot());
    assertEquals(List.of("one", "two", "three"), logged);
  }

  @Test
  void cutsOverlongLinesAndDropsTheirRest() {
    OutputRing ring = new OutputRing(3, 16, line -> {});

    feed(ring, "a".repeat(40) + "\nshort\n");

    assertEquals(List.of("a".repeat(16) + OutputRing.CUT_MARK, "short"), ring.snapshot());
  }

  @Test
  void zeroLinesKeepsNothing() {
    OutputRing ring = new OutputRing(0, 16, line -> {});
    feed(ring, "x\ny\n");
    assertEquals(List.of(), ring.snapshot());
  }
}
