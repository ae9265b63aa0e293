package cocaine.cluster.desired;

import java.util.Optional;

/**
 * What one node does about one app to match the cluster's desired state: a pure function of the
 * desired record, whether the node runs the app, and what this node last applied of it. Apps that
 * no desired record names and that convergence never started (a node-local {@code start}, the
 * runlist) are left alone.
 */
public final class Plan {
  private Plan() {}

  /**
   * What convergence last started on this node: the desired record's version, profile, restart count
   * and canary ({@code <version>@<percent>}, empty when none).
   */
  public record Applied(String version, String profile, long restart, String canary) {
    public Applied(String version, String profile, long restart) {
      this(version, profile, restart, "");
    }

    public static Applied of(DesiredApp d) {
      return new Applied(d.version(), d.profile(), d.restart(),
          d.canary() == null ? "" : d.canary().version() + "@" + d.canary().percent() + ":" + d.canary().profile());
    }

    /** Only the restart count differs from {@code other}: the same versions start anew (a rolling restart). */
    public boolean onlyRestartedFrom(Applied other) {
      return other != null && version.equals(other.version) && profile.equals(other.profile)
          && canary.equals(other.canary) && restart != other.restart;
    }
  }

  /** One decision. */
  public sealed interface Step {}

  /** Nothing to do. */
  public record Keep() implements Step {}

  /** Running already (started at boot or by hand) and wanted as it is: from now on it counts as applied. */
  public record Adopt(Applied applied) implements Step {}

  /** Start it, then it counts as applied. */
  public record Start(Applied applied) implements Step {}

  /** Stop it (pause on this node). */
  public record Stop() implements Step {}

  /** Move the running app to the wanted versions (a rollover on the node: the old serves until the new is healthy). */
  public record Restart(Applied applied) implements Step {}

  /**
   * The step for one app on the node named {@code node}.
   *
   * @param desired the app's desired record, empty when there is none (removed or never written)
   * @param running whether the node's table holds the app (running, starting or broken)
   * @param applied what this node's convergence last started of it, or null
   */
  public static Step step(String node, Optional<DesiredApp> desired, boolean running, Applied applied) {
    boolean wanted = desired.map(d -> d.wantedOn(node)).orElse(false);
    if (!wanted) {
      boolean ours = applied != null || desired.isPresent();
      return running && ours ? new Stop() : new Keep();
    }
    Applied target = Applied.of(desired.get());
    if (!running) {
      return new Start(target);
    }
    if (applied == null) {
      return new Adopt(target);
    }
    return applied.equals(target) ? new Keep() : new Restart(target);
  }
}
