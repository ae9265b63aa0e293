package cocaine.node.app;

import cocaine.wire.CocaineException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The info map of one app (docs/protocol.md 3.6) from what its actor knows: its state, whether it is
 * published, the manifest and profile as stored, and while it runs its engine's report; {@code flags}
 * as in {@link InfoFlags}. No actors.
 *
 * @param spooled what the app read; its maps are null before spooling read them
 */
record AppInfo(String profileName, Spooled spooled) {
  /** What {@code held} shows: the serving primary's profile (else the first generation's) and what it spooled. */
  static AppInfo of(Holdings held) {
    String profile = held.gens().primary().or(() -> held.gens().all().stream().findFirst())
        .map(l -> l.share().profile()).orElse("");
    return new AppInfo(profile, held.spooled());
  }

  /** The parts every state shows. */
  Map<String, Object> base(String state, boolean published, int flags, long uptimeSeconds) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("state", state);
    out.put("uptime", uptimeSeconds);
    Map<String, Object> profile = new LinkedHashMap<>();
    profile.put("name", profileName);
    if ((flags & InfoFlags.PROFILE) != 0 && spooled.profileData() != null) {
      profile.put("data", spooled.profileData());
    }
    out.put("profile", profile);
    out.put("publushed", published); // sic: the C++ runtime's key
    if ((flags & InfoFlags.MANIFEST) != 0 && spooled.manifestData() != null) {
      out.put("manifest", spooled.manifestData());
    }
    return out;
  }

  /**
   * A running app's: the base with the engine's {@code queue}, {@code pool} and {@code requests}
   * ({@code engine} empty without {@link InfoFlags#OVERSEER}), or why the engine did not answer.
   */
  Map<String, Object> running(boolean published, int flags, long uptimeSeconds, Map<String, Object> engine,
      Throwable failure) {
    Map<String, Object> out = base("running", published, flags, uptimeSeconds);
    if (engine != null) {
      out.putAll(engine);
    }
    if (failure != null) {
      out.put("error", "the engine did not answer within ask-timeout: " + failure.getMessage());
    }
    return out;
  }

  /** A broken app's, whatever the flags: the manifest, the profile and the cause. */
  Map<String, Object> broken(boolean published, CocaineException cause) {
    Map<String, Object> out = base("broken", published, InfoFlags.MANIFEST | InfoFlags.PROFILE, 0);
    out.put("error", cause.getMessage());
    out.put("cause", List.of(cause.code().category(), cause.code().code()));
    return out;
  }
}
