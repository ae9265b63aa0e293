package cocaine.cluster.desired;

import static org.junit.jupiter.api.Assertions.assertEquals;

import cocaine.cluster.desired.Plan.Applied;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PlanTest {
  private static final DesiredApp ECHO = new DesiredApp("echo", "2", "default", List.of(), true, 0);

  @Test
  void wantedAndNotRunningStarts() {
    assertEquals(new Plan.Start(new Applied("2", "default", 0)), Plan.step("n1", Optional.of(ECHO), false, null));
  }

  @Test
  void wantedRunningAndAppliedKeeps() {
    assertEquals(new Plan.Keep(), Plan.step("n1", Optional.of(ECHO), true, Applied.of(ECHO)));
  }

  @Test
  void newVersionRestarts() {
    Applied old = new Applied("1", "default", 0);
    assertEquals(new Plan.Restart(Applied.of(ECHO)), Plan.step("n1", Optional.of(ECHO), true, old));
  }

  @Test
  void newProfileRestarts() {
    Applied old = new Applied("2", "small", 0);
    assertEquals(new Plan.Restart(Applied.of(ECHO)), Plan.step("n1", Optional.of(ECHO), true, old));
  }

  @Test
  void raisedRestartCountRestartsOnce() {
    DesiredApp restarted = ECHO.restarted();
    assertEquals(new Plan.Restart(Applied.of(restarted)), Plan.step("n1", Optional.of(restarted), true, Applied.of(ECHO)));
    assertEquals(new Plan.Keep(), Plan.step("n1", Optional.of(restarted), true, Applied.of(restarted)));
  }

  @Test
  void runningWithoutRecordOfOursIsAdopted() {
    assertEquals(new Plan.Adopt(Applied.of(ECHO)), Plan.step("n1", Optional.of(ECHO), true, null));
  }

  @Test
  void stoppedRecordStopsTheApp() {
    assertEquals(new Plan.Stop(), Plan.step("n1", Optional.of(ECHO.withRunning(false)), true, null));
    assertEquals(new Plan.Keep(), Plan.step("n1", Optional.of(ECHO.withRunning(false)), false, Applied.of(ECHO)));
  }

  @Test
  void otherNodesOnlyStopsItHere() {
    DesiredApp elsewhere = new DesiredApp("echo", "2", "default", List.of("n2"), true, 0);
    assertEquals(new Plan.Stop(), Plan.step("n1", Optional.of(elsewhere), true, Applied.of(ECHO)));
    assertEquals(new Plan.Start(Applied.of(elsewhere)), Plan.step("n2", Optional.of(elsewhere), false, null));
  }

  @Test
  void removedRecordStopsOnlyWhatConvergenceStarted() {
    assertEquals(new Plan.Stop(), Plan.step("n1", Optional.empty(), true, Applied.of(ECHO)));
    assertEquals(new Plan.Keep(), Plan.step("n1", Optional.empty(), true, null)); // a node-local start
    assertEquals(new Plan.Keep(), Plan.step("n1", Optional.empty(), false, null));
  }
}
