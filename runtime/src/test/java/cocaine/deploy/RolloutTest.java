package cocaine.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import cocaine.cluster.desired.Convergence.AppState;
import cocaine.cluster.desired.NodeReport;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A deploy's judgement of the nodes' reports: done only when every live node that should run it does. */
class RolloutTest {
  static final Instant NOW = Instant.parse("2026-12-06T23:00:00Z");
  static final Duration GONE = Duration.ofSeconds(15);

  static NodeReport report(String node, Instant time, String desired, String state, String reason) {
    return new NodeReport(node, time, desired == null ? Map.of() : Map.of("echo", new AppState(desired, state, reason)));
  }

  static Rollout.Verdict judge(NodeReport... reports) {
    return Rollout.judge("echo", "2", List.of(reports), NOW, GONE);
  }

  @Test
  void runsWhenEveryLiveNodeRunsTheVersion() {
    assertEquals(new Rollout.Running(List.of("a", "b")),
        judge(report("a", NOW, "2", "running", ""), report("b", NOW.minusSeconds(3), "2", "running", "")));
  }

  @Test
  void waitsForANodeStillOnTheOldVersionOrNotHavingSeenIt() {
    assertEquals(new Rollout.Waiting(List.of("b (at version 1, running)")),
        judge(report("a", NOW, "2", "running", ""), report("b", NOW, "1", "running", "")));
    assertEquals(new Rollout.Waiting(List.of("b (has not seen it)")),
        judge(report("a", NOW, "2", "running", ""), report("b", NOW, null, null, null)));
    assertEquals(new Rollout.Waiting(List.of("a (starting)")), judge(report("a", NOW, "2", "starting", "")));
  }

  @Test
  void aBrokenNodeFailsTheRolloutWithItsReason() {
    assertEquals(new Rollout.Broken("b", "profile 'echo@x' is not in storage"),
        judge(report("a", NOW, "2", "running", ""), report("b", NOW, "2", "broken", "profile 'echo@x' is not in storage")));
  }

  @Test
  void aGoneNodeIsNotWaitedForAndNodesItDoesNotRunOnDoNotCount() {
    assertEquals(new Rollout.Running(List.of("a")), judge(report("a", NOW, "2", "running", ""),
        report("gone", NOW.minusSeconds(16), "1", "running", ""), report("other", NOW, "2", "elsewhere", "")));
  }

  @Test
  void noLiveNodeRunningItIsNotDone() {
    assertEquals(new Rollout.Waiting(List.of("a live node that runs it (no node reports it)")),
        judge(report("gone", NOW.minusSeconds(60), "2", "running", "")));
  }
}
