package cocaine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDate;
import org.junit.jupiter.api.Test;

/** The days and times the crashlog commands take, in the original's spellings. */
class CrashlogCommandsTest {
  private static final LocalDate TODAY = LocalDate.of(2016, 12, 6);

  @Test
  void aDayIsTodayYesterdayDDashMDashYOrIso() {
    assertEquals(TODAY, CrashlogCommands.parseDay("today", TODAY));
    assertEquals(LocalDate.of(2016, 12, 5), CrashlogCommands.parseDay("yesterday", TODAY));
    assertEquals(LocalDate.of(2016, 12, 5), CrashlogCommands.parseDay("5", TODAY));
    assertEquals(LocalDate.of(2016, 11, 5), CrashlogCommands.parseDay("05-11", TODAY));
    assertEquals(LocalDate.of(2015, 9, 10), CrashlogCommands.parseDay("10-09-2015", TODAY));
    assertEquals(LocalDate.of(2015, 9, 10), CrashlogCommands.parseDay("2015-09-10", TODAY));
  }

  @Test
  void aWrongDaySaysWhichSpellingsThereAre() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CrashlogCommands.parseDay("monday", TODAY));
    assertTrue(e.getMessage().contains("give today, yesterday, D, D-M, D-M-Y or YYYY-MM-DD"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> CrashlogCommands.parseDay("31-02", TODAY));
    assertTrue(e.getMessage().startsWith("'31-02' is not a day"), e.getMessage());
  }

  @Test
  void cleanTakesMicrosecondsOrAUtcTime() {
    assertEquals(1_481_000_000_123_456L, CrashlogCommands.Clean.micros("1481000000123456"));
    assertEquals(1_481_026_210_000_000L, CrashlogCommands.Clean.micros("2016-12-06T12:10:10"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CrashlogCommands.Clean.micros("noon"));
    assertTrue(e.getMessage().contains("neither microseconds since the epoch nor a time YYYY-MM-DDTHH:MM:SS"), e.getMessage());
  }
}
