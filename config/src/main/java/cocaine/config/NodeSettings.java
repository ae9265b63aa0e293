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
 */
public record NodeSettings(String runlist, Duration askTimeout, String name) {
  public NodeSettings {
    Objects.requireNonNull(runlist, "runlist");
    Objects.requireNonNull(askTimeout, "askTimeout");
    Objects.requireNonNull(name, "name");
  }

  static NodeSettings from(SettingsReader r) {
    return new NodeSettings(r.nonEmptyString("runlist"), r.duration("ask-timeout"), r.string("name"));
  }
}
