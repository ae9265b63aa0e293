package cocaine.builder;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which apps the key of one authorized_keys entry may push and fetch, from the entry's {@code apps}
 * option: {@code apps="echo,web" ssh-ed25519 AAAA...}, or {@code apps="*"} for every app. An entry
 * without the option may push every app only when the operator allows unscoped keys; an option that
 * does not read lets its key push nothing. Either way the refusal says what to change.
 */
final class PushScope {
  /** The authorized_keys option (OpenSSH style, name case-insensitive). */
  static final String OPTION = "apps";
  static final String EVERY_APP = "*";
  static final String ALLOW_UNSCOPED = "cocaine.builder.allow-unscoped-keys";

  private final Set<String> apps;
  private final boolean everyApp;
  private final String unusable;

  private PushScope(Set<String> apps, boolean everyApp, String unusable) {
    this.apps = apps;
    this.everyApp = everyApp;
    this.unusable = unusable;
  }

  /** A scope that allows nothing, for the reason given (said after "may not push 'APP': "). */
  static PushScope none(String why) {
    return new PushScope(Set.of(), false, why);
  }

  /**
   * The scope of an entry with these login options (as MINA SSHD parses them: names
   * case-insensitive, repeated options joined with commas).
   *
   * @param allowUnscoped whether an entry without {@value #OPTION} may push every app
   */
  static PushScope of(Map<String, String> options, boolean allowUnscoped) {
    String value = options.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(OPTION))
        .map(Map.Entry::getValue).findFirst().orElse(null);
    if (value == null) {
      return allowUnscoped ? new PushScope(Set.of(), true, null)
          : none("its authorized_keys entry has no " + OPTION + " option; put " + OPTION + "=\"APP,...\" in front"
              + " of the key to say which apps it may push (" + ALLOW_UNSCOPED + " = true lets entries without"
              + " one push every app)");
    }
    Set<String> names = new TreeSet<>();
    boolean every = false;
    for (String item : value.split(",", -1)) {
      String name = item.trim();
      if (name.equals(EVERY_APP)) {
        every = true;
      } else if (!GitCommand.APP.matcher(name).matches()) {
        return none("the " + OPTION + " option of its authorized_keys entry cannot be read: '" + name + "' is not"
            + " an app name (lowercase letters, digits and . _ -, comma-separated; \"" + EVERY_APP + "\" alone for"
            + " every app)");
      } else {
        names.add(name);
      }
    }
    return new PushScope(Set.copyOf(names), every, null);
  }

  /** Why the key may not push or fetch {@code app}; empty when it may. */
  Optional<String> refusal(String app) {
    if (unusable != null) {
      return Optional.of(unusable);
    }
    if (everyApp || apps.contains(app)) {
      return Optional.empty();
    }
    return Optional.of("its authorized_keys entry allows " + OPTION + "=\"" + String.join(",", new TreeSet<>(apps))
        + "\" only");
  }

  @Override
  public String toString() {
    return unusable != null ? "no app" : everyApp ? "every app" : "apps " + new TreeSet<>(apps);
  }
}
