package cocaine.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * The builder role ({@code cocaine.builder}): the SSH git server pushes arrive at and where their
 * deploys go.
 *
 * @param host             SSH listen address
 * @param port             SSH listen port (0 = OS-assigned)
 * @param data             bare repositories and the host key
 * @param authorizedKeys   OpenSSH authorized_keys of the keys allowed to push as {@code ape}; an entry's
 *                         {@code apps="a,b"} option says which apps the key may push and fetch
 * @param allowUnscopedKeys whether an entry without {@code apps=} may push and fetch every app (else none)
 * @param maxPushBytes     largest pack a push may send; more is refused as it arrives
 * @param dockerEndpoint   Docker daemon that builds and pushes
 * @param registry         {@code host[:port]} images are pushed to and nodes pull from
 * @param locatorHost      locator of the cluster the deploys go to
 * @param locatorPort      its port
 * @param nodeGone         a node whose report of what it runs is older than this is not waited for
 * @param concurrentPushes pushes handled at once
 * @param buildTimeout     longest build, and longest push to the registry
 * @param startTimeout     longest wait for the nodes to run a deployed version (their pulls included)
 * @param callTimeout      longest other storage or node call
 */
public record BuilderSettings(String host, int port, Path data, Path authorizedKeys, boolean allowUnscopedKeys,
    long maxPushBytes, String dockerEndpoint, String registry, String locatorHost, int locatorPort, Duration nodeGone,
    int concurrentPushes, Duration buildTimeout, Duration startTimeout, Duration callTimeout) {

  public BuilderSettings {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(authorizedKeys, "authorizedKeys");
    Objects.requireNonNull(dockerEndpoint, "dockerEndpoint");
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(locatorHost, "locatorHost");
    Objects.requireNonNull(nodeGone, "nodeGone");
  }

  /**
   * Reads {@code cocaine.builder} of loaded settings.
   *
   * @throws SettingsException naming the key and where it was set when a value is unusable
   */
  public static BuilderSettings from(Settings settings) {
    SettingsReader r = new SettingsReader(settings.config(), "cocaine").section("builder");
    Path data = Path.of(r.nonEmptyString("data"));
    String keys = r.string("authorized-keys").trim();
    String locator = r.string("locator").trim();
    String locatorHost = settings.network().hostname();
    int locatorPort = settings.network().locatorPort();
    if (!locator.isEmpty()) {
      int colon = locator.lastIndexOf(':');
      try {
        locatorHost = locator.substring(0, colon);
        locatorPort = Integer.parseInt(locator.substring(colon + 1));
      } catch (RuntimeException e) {
        throw r.refuse("locator", "must be host:port of a locator, or empty for this process's own");
      }
      if (locatorHost.isEmpty() || locatorPort < 1 || locatorPort > 65535) {
        throw r.refuse("locator", "must be host:port of a locator, or empty for this process's own");
      }
    }
    String registry = r.nonEmptyString("registry").trim();
    if (registry.contains("/")) {
      throw r.refuse("registry", "must be host[:port] without a scheme or path");
    }
    String docker = r.nonEmptyString("docker-endpoint").trim();
    if (!docker.startsWith("unix://") && !docker.startsWith("tcp://")) {
      throw r.refuse("docker-endpoint", "must be unix:///path or tcp://host:port");
    }
    String host = r.string("host").trim();
    return new BuilderSettings(
        host.isEmpty() ? settings.network().host() : host,
        r.port("port"),
        data,
        keys.isEmpty() ? data.resolve("authorized_keys") : Path.of(keys),
        r.bool("allow-unscoped-keys"),
        r.bytes("max-push-size", 1, Long.MAX_VALUE),
        docker,
        registry,
        locatorHost,
        locatorPort,
        r.duration("node-gone"),
        (int) r.integer("concurrent-pushes", 1, 64),
        r.duration("build-timeout"),
        r.duration("start-timeout"),
        r.duration("call-timeout"));
  }
}
