package cocaine.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the keys of a stored profile mean, read as leniently as the original runtime read them
 * (docs/protocol.md 4.3): the names this runtime reads, the 0.11 names mapped to them, the args each
 * isolate reads, and a warning, naming it, for every key that is renamed or ignored. The C++ runtime
 * ignored what it did not know, so a profile written for 0.11 or 0.12 starts here too. Docker
 * settings that would escalate a container and that the docker isolate does not offer are the one
 * exception: they are refused, so that nobody believes they were applied.
 */
final class ProfileKeys {
  /** The 0.11 names (cocaine-core's profile_t) and the keys they set here, each only when not set itself. */
  static final Map<String, List<String>> OLD_NAMES = Map.of(
      "startup-timeout", List.of("spawn-timeout", "handshake-timeout"),
      "termination-timeout", List.of("terminate-timeout"));
  /** Docker settings that escalate and that the docker isolate does not offer (docs/security.md, Isolation). */
  static final Set<String> DOCKER_REFUSED = Set.of("privileged", "devices", "cap_add", "security_opt", "pid_mode",
      "ipc_mode", "userns_mode", "binds", "user");

  private ProfileKeys() {}

  /** A profile's map with old names mapped and unknown keys left out, and what the reader should be told. */
  record Reading(Map<String, Object> map, List<String> warnings) {}

  /**
   * Reads the keys of {@code raw}; the values are checked later, by {@link Profile}.
   *
   * @throws InvalidModelException for an escalating docker setting the isolate does not offer
   */
  static Reading read(Map<String, ?> raw, List<String> keys) {
    Map<String, Object> map = new LinkedHashMap<>();
    List<String> warnings = new ArrayList<>();
    for (Map.Entry<String, ?> e : raw.entrySet()) {
      if (keys.contains(e.getKey())) {
        map.put(e.getKey(), e.getValue());
      }
    }
    for (Map.Entry<String, ?> e : raw.entrySet()) {
      String key = e.getKey();
      if (keys.contains(key)) {
        continue;
      }
      List<String> renamed = OLD_NAMES.get(key);
      if (renamed != null) {
        List<String> taken = renamed.stream().filter(k -> !raw.containsKey(k)).toList();
        taken.forEach(k -> map.put(k, e.getValue()));
        warnings.add(taken.isEmpty()
            ? "'" + key + "' (the 0.11 name of " + quoted(renamed) + ") is ignored: " + quoted(renamed)
                + (renamed.size() > 1 ? " are" : " is") + " set"
            : "'" + key + "' is the 0.11 name of " + quoted(renamed) + ": read as " + quoted(taken) + " = "
                + Fields.show(e.getValue()));
      } else {
        warnings.add("unknown key '" + key + "' is ignored" + suggestion(key, keys));
      }
    }
    if (map.get("isolate") instanceof Map<?, ?> isolate) {
      map.put("isolate", isolate(isolate, warnings));
    }
    return new Reading(map, warnings);
  }

  private static Map<String, Object> isolate(Map<?, ?> isolate, List<String> warnings) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : isolate.entrySet()) {
      String key = String.valueOf(e.getKey());
      if (key.equals("type") || key.equals("args")) {
        out.put(key, e.getValue());
      } else {
        warnings.add("unknown key 'isolate." + key + "' is ignored" + suggestion(key, List.of("type", "args")));
      }
    }
    Object type = isolate.get("type") == null ? Profile.Isolate.PROCESS : isolate.get("type");
    boolean docker = Profile.Isolate.DOCKER.equals(type);
    Set<String> known = docker ? Profile.Isolate.DOCKER_ARGS
        : Profile.Isolate.PROCESS.equals(type) ? Profile.Isolate.PROCESS_ARGS : null;
    if (known == null || !(isolate.get("args") instanceof Map<?, ?> args)) {
      return out; // a bad type or args: Profile refuses them with the field
    }
    Map<Object, Object> kept = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : args.entrySet()) {
      String arg = String.valueOf(e.getKey());
      if (known.contains(arg)) {
        kept.put(e.getKey(), e.getValue());
      } else if (docker && DOCKER_REFUSED.contains(arg)) {
        throw new Fields("profile").bad("isolate.args." + arg, "is a Docker setting that escalates the container and"
            + " that the docker isolate does not offer; it is refused rather than ignored", e.getValue());
      } else {
        warnings.add("unknown arg 'isolate.args." + arg + "' of the " + type + " isolate is ignored"
            + suggestion(arg, List.copyOf(new TreeSet<>(known))));
      }
    }
    out.put("args", kept);
    return out;
  }

  /** " (did you mean 'pool-limit'?)" for a known key one or two edits away, or with _ and - swapped. */
  private static String suggestion(String key, List<String> known) {
    Optional<String> near = known.stream()
        .filter(k -> k.equals(key.replace('_', '-')) || k.equals(key.replace('-', '_')) || distance(k, key) <= 2)
        .findFirst();
    return near.map(k -> " (did you mean '" + k + "'?)").orElse("");
  }

  /** Edit distance (insert, delete, replace), capped at 3: only near misses matter. */
  private static int distance(String a, String b) {
    if (Math.abs(a.length() - b.length()) > 2) {
      return 3;
    }
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int replace = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(replace, Math.min(prev[j], cur[j - 1]) + 1);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return Math.min(prev[b.length()], 3);
  }

  private static String quoted(List<String> keys) {
    return String.join(" and ", keys.stream().map(k -> "'" + k + "'").toList());
  }
}
