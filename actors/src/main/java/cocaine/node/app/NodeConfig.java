package cocaine.node.app;

import cocaine.config.PinnedPorts;
import cocaine.config.Settings;
import cocaine.locator.ConnectionLimits;
import cocaine.locator.Endpoint;
import cocaine.rpc.transport.ConnectionSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * What the node needs from the runtime's settings.
 *
 * @param bindHost address the apps' invocation services listen on ({@code network.host})
 * @param announceHost address published for them ({@code network.hostname})
 * @param locator the local locator's endpoints, passed to workers as {@code --locator}
 * @param runtimeDir worker sockets: {@code <runtimeDir>/<app>.<pid>} ({@code paths.runtime}; see PipePath)
 * @param spoolDir unpacked archives, unless a profile sets {@code isolate.args.spool} ({@code paths.spool})
 * @param runlist runlist started at boot ({@code node.runlist})
 * @param askTimeout how long the node service waits for an app's answer ({@code node.ask-timeout})
 * @param connection bounds of the apps' service connections and worker pipes; its channel-buffer also
 *     bounds each session's queue of worker chunks waiting for a slow client
 * @param maxWorkers live workers on this node at most (one output reader thread each)
 * @param pinned fixed ports of apps by name ({@code network.pinned}); the others are OS-assigned
 * @param rollover how a new version of a running app replaces it ({@code node.health-deadline}, {@code node.drain-timeout})
 */
public record NodeConfig(String bindHost, String announceHost, List<Endpoint> locator, Path runtimeDir, Path spoolDir,
    String runlist, Duration askTimeout, ConnectionSettings connection, int maxWorkers, PinnedPorts pinned,
    Rollover rollover) {
  /**
   * How a new version of a running app takes over on this node.
   *
   * @param healthDeadline how long a new version has to pass its health gate before it is given up
   * @param drain          how long a replaced version's open channels may take to finish before it stops
   */
  public record Rollover(Duration healthDeadline, Duration drain) {
    public static final Rollover DEFAULTS = new Rollover(Duration.ofSeconds(30), Duration.ofSeconds(30));

    public Rollover {
      if (healthDeadline.isNegative() || healthDeadline.isZero() || drain.isNegative()) {
        throw new IllegalArgumentException("health-deadline must be above 0 and drain-timeout 0 or more, got "
            + healthDeadline + " and " + drain);
      }
    }
  }

  /** Workers per node unless told otherwise; each costs one thread reading its output. */
  public static final int DEFAULT_MAX_WORKERS = 1024;

  public NodeConfig {
    Objects.requireNonNull(bindHost, "bindHost");
    Objects.requireNonNull(announceHost, "announceHost");
    locator = List.copyOf(locator);
    Objects.requireNonNull(runtimeDir, "runtimeDir");
    Objects.requireNonNull(spoolDir, "spoolDir");
    Objects.requireNonNull(runlist, "runlist");
    Objects.requireNonNull(askTimeout, "askTimeout");
    Objects.requireNonNull(connection, "connection");
    if (maxWorkers < 1) {
      throw new IllegalArgumentException("maxWorkers: " + maxWorkers + " (expected: >= 1)");
    }
    Objects.requireNonNull(pinned, "pinned");
    Objects.requireNonNull(rollover, "rollover");
  }

  /** With the default rollover. */
  public NodeConfig(String bindHost, String announceHost, List<Endpoint> locator, Path runtimeDir, Path spoolDir,
      String runlist, Duration askTimeout, ConnectionSettings connection, int maxWorkers, PinnedPorts pinned) {
    this(bindHost, announceHost, locator, runtimeDir, spoolDir, runlist, askTimeout, connection, maxWorkers, pinned,
        Rollover.DEFAULTS);
  }

  /** The same with {@code next} rollover settings. */
  public NodeConfig withRollover(Rollover next) {
    return new NodeConfig(bindHost, announceHost, locator, runtimeDir, spoolDir, runlist, askTimeout, connection,
        maxWorkers, pinned, next);
  }

  /** Without fixed ports: every app's is OS-assigned. */
  public NodeConfig(String bindHost, String announceHost, List<Endpoint> locator, Path runtimeDir, Path spoolDir,
      String runlist, Duration askTimeout, ConnectionSettings connection, int maxWorkers) {
    this(bindHost, announceHost, locator, runtimeDir, spoolDir, runlist, askTimeout, connection, maxWorkers,
        new PinnedPorts(java.util.Map.of()));
  }

  /** The node's part of the runtime settings, with the endpoints the locator listens on. */
  public static NodeConfig from(Settings settings, List<Endpoint> locator) {
    var network = settings.network();
    return new NodeConfig(network.host(), network.hostname(), locator, settings.paths().runtime(),
        settings.paths().spool(), settings.node().runlist(), settings.node().askTimeout(),
        ConnectionLimits.of(network),
        DEFAULT_MAX_WORKERS, PinnedPorts.from(settings.config()),
        new Rollover(settings.node().healthDeadline(), settings.node().drainTimeout()));
  }

  /** The {@code --locator} argument: endpoints joined with ',', IPv6 bracketed (docs/protocol.md 3.1). */
  public String locatorArgument() {
    return locator.stream().map(Endpoint::toString).collect(Collectors.joining(","));
  }
}
