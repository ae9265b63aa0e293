package cocaine.node.app;

import java.util.List;
import java.util.Objects;

/**
 * One version of an app and the weight of new channels it takes on this node: a rolling update asks
 * for one share, a canary for two (the stable version at {@code 100 - percent}, the canary at
 * {@code percent}).
 *
 * @param version the recorded version ({@code versions/<app>@<version>}); empty = the current objects
 * @param profile the profile it runs with
 * @param weight  its part of the new channels, 0..100
 */
public record Share(String version, String profile, int weight) {
  public Share {
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(profile, "profile");
    if (weight < 0 || weight > 100) {
      throw new IllegalArgumentException("weight of version '" + version + "' must be 0..100, got " + weight);
    }
  }

  /** A lineup that gives every channel to one version. */
  public static List<Share> only(String version, String profile) {
    return List.of(new Share(version, profile, 100));
  }

  /** The same version with the same profile (the weight may differ): that generation is kept. */
  boolean sameGeneration(Share other) {
    return version.equals(other.version) && profile.equals(other.profile);
  }
}
