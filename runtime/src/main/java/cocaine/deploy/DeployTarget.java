package cocaine.deploy;

import java.time.Duration;
import java.util.Objects;

/**
 * Where a deploy goes: the Docker daemon that builds, the registry the nodes pull from, and the
 * cluster (its locator) whose storage takes the version and the desired state the nodes follow.
 *
 * @param dockerEndpoint daemon that builds and pushes, {@code unix:///path} or {@code tcp://host:port}
 * @param registry       {@code host[:port]} images are pushed to and the nodes pull from
 * @param locatorHost    locator of the cluster (storage and node services are resolved through it)
 * @param locatorPort    its port
 * @param callTimeout    longest storage call
 * @param buildTimeout   longest image build, and longest push
 * @param startTimeout   longest wait for the nodes to run the new version, which includes their pull of the image
 * @param nodeGone       a node whose report ({@code converged/<node>}) is older than this is not waited for
 * @param token          sent with every storage and node call (the cluster's access token, or none)
 */
public record DeployTarget(String dockerEndpoint, String registry, String locatorHost, int locatorPort,
    Duration callTimeout, Duration buildTimeout, Duration startTimeout, Duration nodeGone, CallerToken token) {

  public DeployTarget {
    Objects.requireNonNull(dockerEndpoint, "dockerEndpoint");
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(locatorHost, "locatorHost");
    Objects.requireNonNull(callTimeout, "callTimeout");
    Objects.requireNonNull(buildTimeout, "buildTimeout");
    Objects.requireNonNull(startTimeout, "startTimeout");
    Objects.requireNonNull(nodeGone, "nodeGone");
    Objects.requireNonNull(token, "token");
  }
}
