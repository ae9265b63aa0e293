package cocaine.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TracingTest {
  @AfterEach
  void restore() {
    Tracing.configure(true, 4096, "local");
  }

  static Span span(long trace, long id) {
    return new Span(trace, id, 0, Span.PROXY, "n", "echo", "", id, 1, null, Map.of());
  }

  @Test
  void aReaderFollowsTheRingByCursorAndSkipsWhatWasOverwritten() {
    Tracing t = Tracing.configure(true, 4, "n");
    Tracing.Batch start = t.since(-1, 100);
    assertEquals(List.of(), start.spans(), "a negative cursor only says where to start");
    t.record(span(1, 1));
    t.record(span(1, 2));
    Tracing.Batch first = t.since(start.next(), 100);
    assertEquals(List.of(1L, 2L), first.spans().stream().map(Span::spanId).toList());
    for (long i = 3; i <= 9; i++) {
      t.record(span(1, i));
    }
    Tracing.Batch behind = t.since(first.next(), 100);
    assertEquals(List.of(6L, 7L, 8L, 9L), behind.spans().stream().map(Span::spanId).toList(),
        "a reader that fell behind gets what the ring still holds");
    assertEquals(List.of(9L), t.since(first.next(), 1).spans().stream().map(Span::spanId).toList(), "the latest limit");
    assertEquals(List.of(), t.since(behind.next(), 100).spans(), "nothing twice");
  }

  @Test
  void ringKeepsOnlyTheLatestSpansWhateverTheTraffic() {
    Tracing t = Tracing.configure(true, 4, "n");
    for (long i = 1; i <= 10; i++) {
      t.record(span(i % 2 == 0 ? 100 : 200, i));
    }
    List<Long> ids = t.recent(100).stream().map(Span::spanId).toList();
    assertEquals(List.of(7L, 8L, 9L, 10L), ids);
    assertEquals(List.of(8L, 10L), t.trace(100).stream().map(Span::spanId).toList());
    assertEquals(List.of(9L, 10L), t.recent(2).stream().map(Span::spanId).toList());
    assertEquals(10, t.recorded());
  }

  @Test
  void tracingOffRecordsNothingAndTellsNoListener() {
    Tracing t = Tracing.configure(false, 4, "n");
    List<Span> heard = new ArrayList<>();
    t.subscribe(heard::add);
    t.record(span(1, 1));
    t.record(1, 2, 1, Span.QUEUE, "echo", "", System.nanoTime(), null, Map.of());
    assertTrue(t.recent(10).isEmpty());
    assertTrue(heard.isEmpty());
  }

  @Test
  void listenersHearEverySpanUntilTheyUnsubscribe() {
    Tracing t = Tracing.configure(true, 4, "n");
    List<Span> heard = new ArrayList<>();
    Runnable unsubscribe = t.subscribe(heard::add);
    t.record(span(1, 1));
    t.record(1, 2, 1, Span.QUEUE, "echo", "slot-a", System.nanoTime() - 2_000_000, "late", Map.of("depth", 3));
    unsubscribe.run();
    t.record(span(1, 3));
    assertEquals(2, heard.size());
    Span queue = heard.get(1);
    assertEquals("n", queue.node());
    assertEquals("slot-a", queue.slot());
    assertTrue(queue.durationMicros() >= 2000, "duration from the start's nanoTime: " + queue.durationMicros());
    assertTrue(queue.failed());
  }

  @Test
  void aSpanRecordedWithoutListenersReadsBackWithEveryField() {
    Tracing t = Tracing.configure(true, 4, "n");
    long before = System.nanoTime() - 3_000_000;
    t.record(7, 8, 9, Span.QUEUE, "echo", "slot-a", before, "late", Map.of("depth", 3));
    t.record(7, 10, 8, Span.SLOT, null, null, System.nanoTime(), null, Map.of());
    List<Span> spans = t.trace(7);
    assertEquals(2, spans.size());
    Span queue = spans.get(0);
    assertEquals(List.of(7L, 8L, 9L), List.of(queue.traceId(), queue.spanId(), queue.parentId()));
    assertEquals(List.of(Span.QUEUE, "n", "echo", "slot-a", "late"),
        List.of(queue.name(), queue.node(), queue.app(), queue.slot(), queue.error()));
    assertEquals(Map.of("depth", 3), queue.attributes());
    assertTrue(queue.durationMicros() >= 3000, "duration from the start's nanoTime: " + queue.durationMicros());
    assertEquals(t.micros(before), queue.startMicros());
    Span slot = spans.get(1);
    assertEquals(List.of("", "", Map.of()), List.of(slot.app(), slot.slot(), slot.attributes()));
    assertEquals(null, slot.error());
  }

  @Test
  void readersNeverSeeASpanHalfWrittenByAnotherThread() throws Exception {
    Tracing t = Tracing.configure(true, 8, "n");
    int perWriter = 200_000;
    Thread[] writers = new Thread[2];
    for (int w = 0; w < writers.length; w++) {
      long base = (w + 1) * 1_000_000_000L;
      writers[w] = new Thread(() -> {
        for (long i = 1; i <= perWriter; i++) {
          long id = base + i;
          // every field of a span says the same id: a span read with fields of two spans shows
          t.record(id, id, id, Span.PROXY, "app-" + id, "", 0, null, Map.of("id", id));
        }
      });
      writers[w].start();
    }
    long seen = 0;
    while (writers[0].isAlive() || writers[1].isAlive()) {
      for (Span s : t.recent(8)) {
        long id = s.traceId();
        assertEquals(List.of(id, id, "app-" + id, Map.of("id", id)),
            List.of(s.spanId(), s.parentId(), s.app(), s.attributes()), "a torn span");
        seen++;
      }
    }
    for (Thread w : writers) {
      w.join();
    }
    assertEquals(2L * perWriter, t.recorded());
    assertEquals(8, t.recent(100).size(), "once the writers are done, the ring is full");
    assertTrue(seen > 0, "the reader read while the writers wrote");
  }
}
