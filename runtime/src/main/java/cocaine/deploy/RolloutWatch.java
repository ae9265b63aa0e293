package cocaine.deploy;

import cocaine.client.StorageClient;
import cocaine.cluster.desired.NodeReport;
import cocaine.wire.CocaineException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows a released version onto the cluster: polls the nodes' reports ({@code converged/<node>})
 * and judges them with {@link Rollout} until the desired state runs on every live node that should
 * run it. A node that cannot run it (a start that fails, a health gate not passed) or no node within
 * the timeout rolls back: the previous desired state is put back, the version is marked failed with
 * the reason ({@code cocaine app versions}), and the deploy fails naming the node and its words.
 * {@code git push}, {@code app deploy} and {@code app upload --release} all wait here.
 *
 * @param label    the desired state's label the nodes report when they run it ({@code DesiredApp.label()})
 * @param putBack  restores what the release replaced
 * @param timeout  longest wait
 * @param nodeGone a node whose report is older is not waited for
 * @param say      progress lines
 */
public record RolloutWatch(StorageClient storage, Releases releases, String app, long number, String label,
    Runnable putBack, Duration timeout, Duration nodeGone, Consumer<String> say) {
  private static final Duration REPORT_POLL = Duration.ofMillis(250);
  private static final Logger log = LoggerFactory.getLogger(RolloutWatch.class);

  /**
   * @return the nodes that run it
   * @throws DeployFailed step {@code start}, after the rollback
   */
  public List<String> await() throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String said = "";
    Set<String> leftOut = new HashSet<>(); // a report that does not parse is logged once, not every poll
    while (true) {
      Rollout.Verdict verdict;
      try {
        verdict = Rollout.judge(app, label, reports(leftOut), Instant.now(), nodeGone);
      } catch (CocaineException e) {
        verdict = new Rollout.Waiting(List.of("the nodes' reports (" + e.getMessage() + ")"));
      }
      if (verdict instanceof Rollout.Running r) {
        return r.nodes();
      }
      if (verdict instanceof Rollout.Broken b) {
        throw rollBack("node " + b.node() + " cannot run version " + number + ": " + b.reason());
      }
      if (System.nanoTime() - deadline > 0) {
        throw rollBack("version " + number + " did not run within " + timeout + "; waiting for "
            + String.join(", ", ((Rollout.Waiting) verdict).waitingFor()));
      }
      String line = "start: waiting for " + String.join(", ", ((Rollout.Waiting) verdict).waitingFor());
      if (!line.equals(said)) {
        say.accept(line);
        said = line;
      }
      Thread.sleep(REPORT_POLL.toMillis());
    }
  }

  private DeployFailed rollBack(String reason) {
    say.accept("start: " + reason);
    putBack.run();
    try {
      releases.markFailed(app, number, reason);
      say.accept("start: version " + number + " of '" + app + "' is marked failed (cocaine app versions " + app + ")");
    } catch (RuntimeException e) {
      log.error("deploy of {} {}: cannot mark the version failed: {}", app, number, e.toString());
    }
    return new DeployFailed("start", reason);
  }

  private List<NodeReport> reports(Set<String> leftOut) {
    List<NodeReport> reports = new ArrayList<>();
    for (String node : storage.find(NodeReport.COLLECTION, NodeReport.TAGS)) {
      try {
        reports.add(NodeReport.unpack(node, storage.read(NodeReport.COLLECTION, node)));
      } catch (IllegalArgumentException e) {
        if (leftOut.add(node)) {
          log.warn("deploy of {}: node report left out: {}", app, e.getMessage());
        }
      }
    }
    return reports;
  }
}
