package cocaine.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The node service ({@code cocaine.node}).
 *
 * @param runlist    runlist whose apps start at boot
 * @param askTimeout how long the node service waits for an app actor's answer
 * @param name       this node's name in the cluster's desired state ({@code nodes} of {@code desired/<app>});
 *                   empty = {@code cocaine.network.hostname}
 * @param reportEvery how often the node rewrites its report of what it converged to ({@code converged/<name>}),
 *                   besides each change; deploys count a report older than 3 x this as a node gone
 * @param healthDeadline how long a new version of a running app has to pass its health gate
 * @param drainTimeout   how long a replaced version's open channels may take to finish
 * @param startsAtOnce   how many starts or rollovers of the desired state's apps convergence asks the node
 *                       for at once; the others wait their turn
 */
public record NodeSettings(String runlist, Duration askTimeout, String name, Duration reportEvery,
    Duration healthDeadline, Duration drainTimeout, int startsAtOnce) {
  public NodeSettings {
    Objects.requireNonNull(runlist, "runlist");
    Objects.requireNonNull(askTimeout, "askTimeout");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(reportEvery, "reportEvery");
    Objects.requireNonNull(healthDeadline, "healthDeadline");
    Objects.requireNonNull(drainTimeout, "drainTimeout");
    if (startsAtOnce < 1) {
      throw new IllegalArgumentException("startsAtOnce must be at least 1: " + startsAtOnce);
    }
  }

  static NodeSettings from(SettingsReader r) {
    return new NodeSettings(r.nonEmptyString("runlist"), r.duration("ask-timeout"), r.string("name"),
        r.duration("report-every"), r.duration("health-deadline"), r.duration("drain-timeout"),
        (int) r.integer("starts-at-once", 1, 10_000));
  }
}
