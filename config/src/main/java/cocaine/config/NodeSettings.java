package cocaine.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The node service ({@code cocaine.node}).
 *
 * @param runlist    runlist whose apps start at boot
 * @param askTimeout how long the node service waits for an app actor's answer
 */
public record NodeSettings(String runlist, Duration askTimeout) {
  public NodeSettings {
    Objects.requireNonNull(runlist, "runlist");
    Objects.requireNonNull(askTimeout, "askTimeout");
  }

  static NodeSettings from(SettingsReader r) {
    return new NodeSettings(r.nonEmptyString("runlist"), r.duration("ask-timeout"));
  }
}
