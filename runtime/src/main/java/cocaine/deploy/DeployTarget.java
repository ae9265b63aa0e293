package cocaine.deploy;

import java.time.Duration;
import java.util.Objects;

/**
 * Where a deploy goes: the Docker daemon that builds, the registry the nodes pull from, and the
 * cluster (its locator) whose storage and node service take the manifest, profile and start.
 *
 * @param dockerEndpoint daemon that builds and pushes, {@code unix:///path} or {@code tcp://host:port}
 * @param registry       {@code host[:port]} images are pushed to and the nodes pull from
 * @param locatorHost    locator of the cluster (storage and node services are resolved through it)
 * @param locatorPort    its port
 * @param runlist        runlist the app is added to, so nodes start it at boot
 * @param callTimeout    longest storage or node call (start_app waits for the node's pull: {@code startTimeout})
 * @param buildTimeout   longest image build, and longest push
 * @param startTimeout   longest {@code start_app}, which includes the node's pull of the image
 * @param token          sent with every storage and node call (the cluster's access token, or none)
 */
public record DeployTarget(String dockerEndpoint, String registry, String locatorHost, int locatorPort,
    String runlist, Duration callTimeout, Duration buildTimeout, Duration startTimeout, CallerToken token) {

  public DeployTarget {
    Objects.requireNonNull(dockerEndpoint, "dockerEndpoint");
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(locatorHost, "locatorHost");
    Objects.requireNonNull(runlist, "runlist");
    Objects.requireNonNull(callTimeout, "callTimeout");
    Objects.requireNonNull(buildTimeout, "buildTimeout");
    Objects.requireNonNull(startTimeout, "startTimeout");
    Objects.requireNonNull(token, "token");
  }
}
