package cocaine.deploy;

import cocaine.client.StorageClient;
import cocaine.cluster.desired.NodeReport;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows a released version onto the cluster: watches the nodes' reports ({@code converged/<node>},
 * storage {@code watch}: pushed as a node writes its report) and judges them with {@link Rollout} until the desired state runs on every live node that should
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
  /**
   * The reports are read again at least this often although the watch pushes every change: a
   * watch can miss one, e.g. while the storage's ZooKeeper session reconnects (a ZooKeeper watch
   * fires once and is set again only after the reconnect, so a write in between tells nobody).
   */
  private static final Duration SAFETY_REREAD = Duration.ofSeconds(5);
  /** Without a watch (a storage service that refuses {@code watch}) the reports are polled this often. */
  private static final Duration REPORT_POLL = Duration.ofMillis(250);
  private static final Logger log = LoggerFactory.getLogger(RolloutWatch.class);

  /**
   * @return the nodes that run it
   * @throws DeployFailed step {@code start}, after the rollback
   */
  public List<String> await() throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String said = "";
    Set<String> leftOut = new HashSet<>(); // a report that does not parse is logged once, not at every read
    // watch first, then read: a report written in between is read twice rather than missed
    StorageClient.Watch watch = open(true);
    try {
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
        long left = deadline - System.nanoTime();
        if (left < 0) {
          throw rollBack("version " + number + " did not run within " + timeout + "; waiting for "
              + String.join(", ", ((Rollout.Waiting) verdict).waitingFor()));
        }
        String line = "start: waiting for " + String.join(", ", ((Rollout.Waiting) verdict).waitingFor());
        if (!line.equals(said)) {
          say.accept(line);
          said = line;
        }
        watch = untilChanged(watch, Duration.ofNanos(left));
      }
    } finally {
      if (watch != null) {
        watch.close();
      }
    }
  }

  /**
   * Returns once a report changed (the watch said so), the safety re-read is due or {@code left}
   * has passed; with no watch, after the poll interval.
   *
   * @return the watch to go on with: the same, another when it ended, null when none can be had
   */
  private StorageClient.Watch untilChanged(StorageClient.Watch watch, Duration left) throws InterruptedException {
    if (watch == null) {
      Thread.sleep(Math.max(1, Math.min(REPORT_POLL.toMillis(), left.toMillis())));
      return null;
    }
    try {
      if (watch.next(left.compareTo(SAFETY_REREAD) < 0 ? left : SAFETY_REREAD).isPresent()) {
        while (watch.next(Duration.ZERO).isPresent()) {
          // the reports are all read again: the keys of the other changes waiting add nothing
        }
      }
      return watch;
    } catch (CancellationException e) {
      throw new InterruptedException("deploy of " + app + ": interrupted while waiting for the nodes");
    } catch (CocaineException e) {
      watch.close();
      if (e.code().equals(ErrorCode.SLOT_NOT_FOUND)) { // a storage service that cannot watch: poll it
        log.info("deploy of {}: the storage cannot watch the nodes' reports ({}); reading them every {} ms", app,
            e.getMessage(), REPORT_POLL.toMillis());
        return null;
      }
      log.info("deploy of {}: the watch of the nodes' reports ended ({}); watching again", app, e.getMessage());
      Thread.sleep(REPORT_POLL.toMillis()); // a watch that ends at once again is not reopened in a tight loop
      return open(false);
    }
  }

  /** A watch of the reports, or null (logged once) when the storage cannot give one: then they are polled. */
  private StorageClient.Watch open(boolean first) {
    try {
      return storage.watch(NodeReport.COLLECTION);
    } catch (RuntimeException e) {
      log.info("deploy of {}: cannot watch the nodes' reports ({}); reading them every {} ms{}", app, e.getMessage(),
          REPORT_POLL.toMillis(), first ? "" : " from now on");
      return null;
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
