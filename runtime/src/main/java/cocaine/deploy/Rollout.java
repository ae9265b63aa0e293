package cocaine.deploy;

import cocaine.cluster.desired.Convergence.AppState;
import cocaine.cluster.desired.NodeReport;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * How far a released version of an app has come on the cluster, judged from the nodes' reports
 * ({@code converged/<node>}): a pure function, so a deploy polls it until the version runs on every
 * live node that should run it, or one of them says it is broken. A node whose report is older than
 * {@code stale} is gone and left out; one that has not seen the version yet is waited for.
 */
public final class Rollout {
  private Rollout() {}

  /** One judgement. */
  public sealed interface Verdict {}

  /** Runs on every live node that should run it (at least one). */
  public record Running(List<String> nodes) implements Verdict {}

  /** Not yet: {@code waitingFor} names the nodes and what they report, for the progress line. */
  public record Waiting(List<String> waitingFor) implements Verdict {}

  /** A node could not start it. */
  public record Broken(String node, String reason) implements Verdict {}

  /**
   * @param version the desired version the deploy released
   * @param now     the deployer's clock
   * @param stale   a report older than this is a node gone
   */
  public static Verdict judge(String app, String version, List<NodeReport> reports, Instant now, Duration stale) {
    List<String> running = new ArrayList<>();
    List<String> waiting = new ArrayList<>();
    for (NodeReport r : reports) {
      if (r.time().isBefore(now.minus(stale))) {
        continue;
      }
      AppState s = r.apps().get(app);
      if (s == null || !s.desired().equals(version)) {
        waiting.add(r.node() + " (" + (s == null ? "has not seen it" : "at version " + s.desired() + ", " + s.state())
            + ")");
      } else if (s.state().equals("broken")) {
        return new Broken(r.node(), s.reason());
      } else if (s.state().equals("running")) {
        running.add(r.node());
      } else if (s.state().equals("starting")) {
        waiting.add(r.node() + " (starting)");
      } // elsewhere or stopped: not wanted on that node
    }
    if (!waiting.isEmpty() || running.isEmpty()) {
      return new Waiting(waiting.isEmpty() ? List.of("a live node that runs it (no node reports it)") : waiting);
    }
    return new Running(running);
  }
}
