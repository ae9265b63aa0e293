package cocaine.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogRingTest {
  static final Instant T0 = Instant.parse("2026-01-02T03:04:05Z");
  @TempDir Path dir;

  static LogRecord line(String source, Severity severity, String message) {
    return new LogRecord(T0, severity, source, message, Map.of("n", 1L));
  }

  static List<String> messages(LogRing.Page page) {
    return page.lines().stream().map(l -> l.record().message()).toList();
  }

  List<Path> segmentFiles() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.toString().endsWith(".log")).sorted().toList();
    }
  }

  @Test
  void linesComeBackInOrderWithConsecutivePositionsAndEveryField() throws Exception {
    try (LogRing ring = LogRing.open(dir, 4096, 4)) {
      for (int i = 0; i < 10; i++) {
        ring.append(line("app/echo", Severity.INFO, "line " + i));
      }
      LogRing.Page page = ring.read(0, LogQuery.ALL, 100);
      assertEquals(10, page.lines().size());
      for (int i = 0; i < 10; i++) {
        assertEquals(i, page.lines().get(i).position());
        assertEquals(line("app/echo", Severity.INFO, "line " + i), page.lines().get(i).record());
      }
      assertEquals(10, page.next());
      assertEquals(List.of("line 7", "line 8", "line 9"), messages(ring.read(7, LogQuery.ALL, 100)));
      LogRing.Page firstThree = ring.read(0, LogQuery.ALL, 3);
      assertEquals(List.of("line 0", "line 1", "line 2"), messages(firstThree));
      assertEquals(3, firstThree.next());
    }
  }

  @Test
  void filtersByAppLevelTextAndTimeAndTheCursorSkipsWhatDidNotMatch() throws Exception {
    try (LogRing ring = LogRing.open(dir, 4096, 4)) {
      ring.append(line("app/echo", Severity.INFO, "hello"));
      ring.append(line("app/echo/worker", Severity.ERROR, "Disk FULL"));
      ring.append(line("app/echoes", Severity.ERROR, "other app"));
      ring.append(line("runtime", Severity.ERROR, "disk full too"));
      ring.append(new LogRecord(T0.minusSeconds(60), Severity.ERROR, "app/echo", "disk full, old", Map.of()));
      LogQuery query = new LogQuery(Optional.of("echo"), T0, Severity.WARNING, Optional.of("disk full"));
      LogRing.Page page = ring.read(0, query, 100);
      assertEquals(List.of("Disk FULL"), messages(page));
      assertEquals(1, page.lines().get(0).position());
      assertEquals(5, page.next(), "the cursor passes lines that did not match");
      assertEquals(List.of(), ring.read(page.next(), query, 100).lines());
    }
  }

  @Test
  void theRingIsBoundedSegmentsRotateAndPositionsGoOn() throws Exception {
    String text = "x".repeat(200);
    try (LogRing ring = LogRing.open(dir, 4096, 3)) {
      for (int i = 0; i < 1000; i++) {
        ring.append(line("app/flood", Severity.INFO, i + " " + text));
      }
      ring.flush();
      List<Path> files = segmentFiles();
      assertEquals(3, files.size(), files.toString());
      long bytes = 0;
      for (Path f : files) {
        assertTrue(Files.size(f) <= 4096, f + " is " + Files.size(f) + " bytes");
        bytes += Files.size(f);
      }
      assertTrue(bytes <= 3 * 4096, "ring holds " + bytes + " bytes");
      assertEquals(1000, ring.next());
      LogRing.Page kept = ring.read(0, LogQuery.ALL, 10_000);
      assertEquals(ring.first(), kept.lines().get(0).position(), "a position older than the ring reads from its start");
      assertTrue(ring.first() > 900, "oldest kept " + ring.first());
      assertEquals(999, kept.lines().get(kept.lines().size() - 1).position());
      for (int i = 1; i < kept.lines().size(); i++) {
        assertEquals(kept.lines().get(i - 1).position() + 1, kept.lines().get(i).position());
        assertTrue(kept.lines().get(i).record().message().startsWith(kept.lines().get(i).position() + " "));
      }
    }
  }

  @Test
  void positionsSurviveAReopen() throws Exception {
    try (LogRing ring = LogRing.open(dir, 4096, 3)) {
      for (int i = 0; i < 5; i++) {
        ring.append(line("app/echo", Severity.INFO, "before " + i));
      }
    }
    try (LogRing ring = LogRing.open(dir, 4096, 3)) {
      assertEquals(5, ring.next());
      ring.append(line("app/echo", Severity.INFO, "after"));
      LogRing.Page page = ring.read(4, LogQuery.ALL, 100);
      assertEquals(List.of("before 4", "after"), messages(page));
      assertEquals(List.of(4L, 5L), page.lines().stream().map(LogRing.Line::position).toList());
    }
  }

  /** Five lines "line 0" .. "line 4" in one closed segment, whose file is returned. */
  Path fiveLinesWritten() throws Exception {
    try (LogRing ring = LogRing.open(dir, 1 << 20, 3)) {
      for (int i = 0; i < 5; i++) {
        ring.append(line("app/echo", Severity.INFO, "line " + i));
      }
    }
    return segmentFiles().get(0);
  }

  @Test
  void aTornTailAfterACrashIsCutOffNotFatal() throws Exception {
    Path segment = fiveLinesWritten();
    long whole = Files.size(segment);
    // the last line half written, as a crash mid-write leaves it
    try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
      ch.truncate(whole - 7);
    }
    try (LogRing ring = LogRing.open(dir, 1 << 20, 3)) {
      assertEquals(List.of("line 0", "line 1", "line 2", "line 3"), messages(ring.read(0, LogQuery.ALL, 100)));
      assertEquals(4, ring.next(), "the torn line's position is given again");
      ring.append(line("app/echo", Severity.INFO, "after the crash"));
      assertEquals(List.of("line 3", "after the crash"), messages(ring.read(3, LogQuery.ALL, 100)));
    }
  }

  @Test
  void corruptBytesInTheMiddleEndTheSegmentThere() throws Exception {
    Path segment = fiveLinesWritten();
    long lineBytes = Files.size(segment) / 5;
    try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap("garbage!".getBytes()), lineBytes * 2 + LogRing.HEADER + 3);
    }
    try (LogRing ring = LogRing.open(dir, 1 << 20, 3)) {
      assertEquals(List.of("line 0", "line 1"), messages(ring.read(0, LogQuery.ALL, 100)));
      assertEquals(2, ring.next());
    }
  }

  @Test
  void aHugeMessageIsCutToFitOneLine() throws Exception {
    try (LogRing ring = LogRing.open(dir, 4096, 3)) {
      ring.append(line("app/echo", Severity.INFO, "y".repeat(LogRing.MAX_LINE * 3)));
      ring.append(line("app/echo", Severity.INFO, "small"));
      List<String> messages = messages(ring.read(0, LogQuery.ALL, 100));
      assertEquals(2, messages.size());
      assertTrue(messages.get(0).endsWith("(cut at " + LogRing.MAX_LINE + " bytes)"), messages.get(0).substring(0, 20));
      assertTrue(LogRing.encode(line("app/echo", Severity.INFO, messages.get(0))).length <= LogRing.MAX_LINE);
      assertEquals("small", messages.get(1));
    }
  }

  @Test
  void aRingOpenElsewhereIsRefusedAndFreeAgainOnceClosed() throws Exception {
    LogRing first = LogRing.open(dir, 4096, 2);
    IOException e = assertThrows(IOException.class, () -> LogRing.open(dir, 4096, 2));
    assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
    first.close();
    LogRing.open(dir, 4096, 2).close();
  }

  @Test
  void sizesTooSmallAreRefusedWithTheirValues() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LogRing.open(dir, 100, 1));
    assertTrue(e.getMessage().contains("100") && e.getMessage().contains("segments 1"), e.getMessage());
  }
}
