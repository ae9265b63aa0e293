package cocaine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@link SeedTopologyIT}'s load saw, step by step: per step the requests sent in its window
 * and what became of them, the figures measured, and the checks that every request got exactly one
 * outcome and no step lost more than it may.
 */
final class SeedLoadReport {
  /**
   * A step's window of the load: requests sent in [fromMs, toMs) and done in [doneFromMs,
   * doneToMs); at most {@code maxFailed} may fail.
   */
  record Step(String name, long fromMs, long toMs, long doneFromMs, long doneToMs, int maxFailed) {
    Step(String name, long fromMs, long toMs, int maxFailed) {
      this(name, fromMs, toMs, 0, Long.MAX_VALUE, maxFailed);
    }
  }

  /** One measured figure: a span in ms, or a count in {@code unit}. */
  record Figure(String name, long value, String unit) {
    Figure(String name, long ms) {
      this(name, ms, "ms");
    }
  }

  private SeedLoadReport() {}

  static String write(Path loadDir, List<Step> steps, List<Figure> figures, int rate) throws IOException {
    List<ChaosIT.Outcome> outcomes = ChaosIT.outcomes(loadDir);
    StringBuilder b = new StringBuilder("seed topology figures (SeedTopologyIT: proxied HTTP from the client host, "
        + rate + " req/s; load average " + loadAverage() + ")\n");
    for (Step s : steps) {
      Map<String, Long> n = counts(outcomes, s);
      String firstError = outcomes.stream().filter(o -> in(o, s) && !o.kind().equals("ok")).map(ChaosIT.Outcome::detail)
          .findFirst().map(d -> d.length() > 110 ? d.substring(0, 110) + "..." : d).orElse("");
      b.append(String.format("%-55s sent %5d  answered %5d  errored %3d  hung %d%s%n", s.name(),
          n.getOrDefault("sent", 0L), n.getOrDefault("ok", 0L), n.getOrDefault("error", 0L), n.getOrDefault("hung", 0L),
          firstError.isEmpty() ? "" : "  e.g. " + firstError));
    }
    for (Figure f : figures) {
      b.append(String.format("%-70s %6d %s%n", f.name(), f.value(), f.unit()));
    }
    b.append("whole run: ").append(ChaosLoad.readSummary(loadDir.resolve("summary.json"))).append('\n');
    return b.toString();
  }

  /** Every request has one outcome, none hung, duplicated or late, and each step within its failures. */
  static void assertSteps(Path loadDir, List<Step> steps, String report) throws IOException {
    Map<String, Long> c = ChaosLoad.readSummary(loadDir.resolve("summary.json")).get("http");
    assertEquals(0, c.get("hung"), "requests with no reply past their deadline\n" + report);
    assertEquals(0, c.get("duplicated"), "requests answered twice\n" + report);
    assertEquals(0, c.get("late"), "answers after the deadline\n" + report);
    assertEquals(c.get("sent"), c.get("answered") + c.get("errored"), "every request sent has one outcome\n" + report);
    List<ChaosIT.Outcome> outcomes = ChaosIT.outcomes(loadDir);
    for (Step s : steps) {
      Map<String, Long> n = counts(outcomes, s);
      long failed = n.getOrDefault("error", 0L) + n.getOrDefault("hung", 0L);
      assertTrue(failed <= s.maxFailed(), "step '" + s.name() + "': " + failed + " failed requests, at most "
          + s.maxFailed() + "\n" + report);
    }
    assertTrue(outcomes.stream().filter(o -> o.kind().equals("error")).noneMatch(o -> o.detail().isBlank()),
        "every error says what went wrong\n" + report);
  }

  private static boolean in(ChaosIT.Outcome o, Step s) {
    return o.sentMs() >= s.fromMs() && o.sentMs() < s.toMs() && o.doneMs() >= s.doneFromMs()
        && o.doneMs() < s.doneToMs();
  }

  private static Map<String, Long> counts(List<ChaosIT.Outcome> outcomes, Step s) {
    Map<String, Long> n = new TreeMap<>();
    for (ChaosIT.Outcome o : outcomes) {
      if (in(o, s)) {
        n.merge("sent", 1L, Long::sum);
        n.merge(o.kind(), 1L, Long::sum);
      }
    }
    return n;
  }

  static String loadAverage() {
    try {
      return String.join(" ", List.of(java.nio.file.Files.readString(Path.of("/proc/loadavg")).split(" ")).subList(0, 3));
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }
}
