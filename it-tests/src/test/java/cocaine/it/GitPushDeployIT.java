package cocaine.it;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;

/**
 * {@link GitPushScenario} both ways: a runtime without an access token, and one with a token (from a
 * 0600 file), where every storage and node call of the builder's deploys and of {@code cocaine app
 * deploy} must carry it. Each runs its own runtime on the same Docker daemon and registry.
 */
@Tag("docker")
@Tag("git-ssh")
class GitPushDeployIT {
  @Nested
  class WithoutAccessToken extends GitPushScenario {
    WithoutAccessToken() {
      super("");
    }
  }

  @Nested
  class WithAccessToken extends GitPushScenario {
    WithAccessToken() {
      super("it-push-token-3f9a61");
    }
  }
}
