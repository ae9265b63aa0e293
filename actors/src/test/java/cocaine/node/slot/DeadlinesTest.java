package cocaine.node.slot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DeadlinesTest {
  @Test
  void theEarliestOpenDeadlineComesFirstAndFinishedChannelsAreSkipped() {
    Deadlines d = new Deadlines();
    Set<Long> open = new HashSet<>(List.of(2L, 3L, 4L));
    d.add(2, 300);
    d.add(3, 100);
    d.add(4, 200);
    assertEquals(100, d.next(open));
    open.remove(3L); // finished before its deadline
    assertEquals(200, d.next(open));
    assertEquals(List.of(4L), d.due(250, open));
    assertEquals(300, d.next(open));
    assertEquals(List.of(), d.due(299, open));
    assertEquals(List.of(2L), d.due(300, open));
    assertEquals(Long.MAX_VALUE, d.next(open));
  }

  @Test
  void theOneTimerIsSetAgainOnlyForAnEarlierDeadlineOrAfterItFired() {
    Deadlines d = new Deadlines();
    Set<Long> open = new HashSet<>(List.of(2L, 3L, 4L));
    assertEquals(Long.MAX_VALUE, d.toArm(open), "nothing to wait for");
    d.add(2, 300);
    assertEquals(300, d.toArm(open));
    d.add(3, 400);
    assertEquals(Long.MAX_VALUE, d.toArm(open), "the timer set for 300 comes first");
    d.add(4, 100);
    assertEquals(100, d.toArm(open));
    assertEquals(List.of(4L), d.fired(100, open));
    open.remove(4L);
    assertEquals(300, d.toArm(open), "set for the next one once it fired");
  }

  @Test
  void entriesOfFinishedChannelsStayBoundedByTheOpenOnes() {
    Deadlines d = new Deadlines();
    Set<Long> open = new HashSet<>();
    for (long ch = 2; ch < 100_000; ch++) {
      open.add(ch);
      d.add(ch, Long.MAX_VALUE - 1); // no limit: these never come up by themselves
      if (open.size() > 8) {
        open.remove(ch - 8);
        d.forgetFinished(open);
      }
      assertTrue(d.size() <= 2 * open.size() + 65, "entries " + d.size() + " for " + open.size() + " open");
    }
  }
}
