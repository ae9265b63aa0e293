package cocaine.model;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * How an app runs: pool and queue limits, timeouts and isolate, stored in {@code profiles/<name>}
 * (docs/protocol.md 4.3, defaults of node::v2 0.12). As the original runtime did, keys it does not
 * read are ignored and 0.11 names are read under their new names ({@link ProfileKeys}); each such key
 * comes back as a warning naming it ({@link #read}), so a typo such as {@code pool_limit} is told,
 * not silent.
 *
 * @param poolLimit      max workers
 * @param queueLimit     max queued, not yet assigned events; 0 = admit while there is free capacity
 * @param concurrency    max simultaneous channels per worker
 * @param growThreshold  queued events per additional worker
 * @param timeouts       the worker life-cycle timeouts (docs/protocol.md 3.4)
 * @param crashlogLimit  output lines kept for a crashlog
 * @param logOutput      copy worker output to the runtime log
 * @param publishOn      publish the app once this many workers are active (0 = at once)
 * @param unpublishUnder unpublish the app when fewer workers than this are active
 * @param isolate        isolate plugin and its args
 */
public record Profile(int poolLimit, int queueLimit, int concurrency, int growThreshold, Timeouts timeouts,
    int crashlogLimit, boolean logOutput, int publishOn, int unpublishUnder, Isolate isolate) {

  private static final String SUBJECT = "profile";
  private static final String POSITIVE = "must be a positive integer";
  private static final String NON_NEGATIVE = "must be a non-negative integer";

  /** Every key a stored profile may have, in the order {@link #toMap()} writes them. */
  public static final List<String> KEYS = List.of("pool-limit", "queue-limit", "concurrency", "grow-threshold",
      "spawn-timeout", "handshake-timeout", "heartbeat-timeout", "seal-timeout", "terminate-timeout",
      "idle-timeout", "request-timeout", "crashlog-limit", "log-output", "publish-on", "unpublish-under",
      "isolate");

  /**
   * Default {@code spawn-timeout} of a docker-isolate profile: the isolate reports "spawned" once the
   * daemon has created and started the container, which takes about a second on an idle daemon and
   * several under load or with a cold image cache, so the process isolate's 1 s default would fail
   * healthy starts. A profile that sets {@code spawn-timeout} keeps its own value.
   */
  public static final double DOCKER_SPAWN_TIMEOUT_SECONDS = 15.0;

  /** A profile as read, and one warning per key that was renamed or ignored, naming the profile and the key. */
  public record Read(Profile profile, List<String> warnings) {
    public Read {
      warnings = List.copyOf(warnings);
    }
  }

  /** The profile of an empty map: every default of docs/protocol.md 4.3. */
  public static final Profile DEFAULT = fromMap(Map.of());

  public Profile {
    Fields f = new Fields(SUBJECT);
    Objects.requireNonNull(timeouts, "timeouts");
    Objects.requireNonNull(isolate, "isolate");
    if (poolLimit <= 0) {
      throw f.bad("pool-limit", POSITIVE, poolLimit);
    }
    if (queueLimit < 0) {
      throw f.bad("queue-limit", NON_NEGATIVE, queueLimit);
    }
    if (concurrency <= 0) {
      throw f.bad("concurrency", POSITIVE, concurrency);
    }
    if (growThreshold <= 0) {
      throw f.bad("grow-threshold", POSITIVE, growThreshold);
    }
    if (crashlogLimit < 0) {
      throw f.bad("crashlog-limit", NON_NEGATIVE, crashlogLimit);
    }
    if (publishOn < 0) {
      throw f.bad("publish-on", NON_NEGATIVE, publishOn);
    }
    if (unpublishUnder < 0) {
      throw f.bad("unpublish-under", NON_NEGATIVE, unpublishUnder);
    }
    if (publishOn > poolLimit) {
      throw f.bad("publish-on", "must not exceed pool-limit (" + poolLimit + ")", publishOn);
    }
    if (publishOn < unpublishUnder) {
      throw f.bad("publish-on", "must be at least unpublish-under (" + unpublishUnder + ")", publishOn);
    }
  }

  /** Timeouts of a worker's life (docs/protocol.md 3.4); stored as seconds, kept to the millisecond. */
  public record Timeouts(Duration spawn, Duration handshake, Duration heartbeat, Duration seal,
      Duration terminate, Duration idle, Duration request) {
    public Timeouts {
      Fields f = new Fields(SUBJECT);
      nonNegative(f, "spawn-timeout", spawn);
      nonNegative(f, "handshake-timeout", handshake);
      nonNegative(f, "heartbeat-timeout", heartbeat);
      nonNegative(f, "seal-timeout", seal);
      nonNegative(f, "terminate-timeout", terminate);
      nonNegative(f, "idle-timeout", idle);
      nonNegative(f, "request-timeout", request);
      // zero would kill every worker at its first heartbeat check
      if (heartbeat.isZero()) {
        throw f.bad("heartbeat-timeout", "must be more than 0 seconds", Fields.seconds(heartbeat));
      }
    }

    private static void nonNegative(Fields f, String field, Duration d) {
      Objects.requireNonNull(d, field);
      if (d.isNegative()) {
        throw f.bad(field, "must be a non-negative number of seconds", Fields.seconds(d));
      }
    }
  }

  /**
   * Which isolate plugin starts the workers, with its args (docs/protocol.md 4.3 "Isolate args").
   *
   * @param type {@link #PROCESS} or {@link #DOCKER}
   * @param args plugin arguments as decoded (Strings, Numbers, Booleans, Lists, Maps)
   */
  public record Isolate(String type, Map<String, Object> args) {
    public static final String PROCESS = "process";
    public static final String DOCKER = "docker";
    /** The args the process isolate reads; others are ignored with a warning. */
    public static final Set<String> PROCESS_ARGS = Set.of("spool", "kill_timeout", "user");
    /** The args the docker isolate reads (the original plugin's and this project's); others are ignored with a warning. */
    public static final Set<String> DOCKER_ARGS = Set.of("endpoint", "registry", "repository", "tag", "runtime-path",
        "network_mode", "memory_limit", "memory_swap", "cpu_shares", "volumes", "capabilities", "kill_timeout");
    private static final Set<String> TYPES = Set.of(PROCESS, DOCKER);

    public Isolate {
      if (!TYPES.contains(type)) {
        throw new Fields(SUBJECT).bad("isolate.type", "must be one of docker, process", type);
      }
      args = Fields.freezeMap(args);
    }

    /** The default isolate: a local process, no args. */
    public static Isolate process() {
      return new Isolate(PROCESS, Map.of());
    }

    Map<String, Object> toMap() {
      Map<String, Object> map = new LinkedHashMap<>();
      map.put("type", type);
      map.put("args", args);
      return Collections.unmodifiableMap(map);
    }
  }

  /**
   * Reads a decoded profile: missing keys take their defaults, renamed and unknown ones are told in
   * the warnings; errors and warnings name it, e.g. {@code profile 'default': ...}.
   *
   * @throws InvalidModelException for a value that cannot be used, naming the field
   */
  public static Read read(String name, Map<String, ?> map) {
    String subject = SUBJECT + " '" + name + "'";
    try {
      new Fields(SUBJECT).root(map);
      ProfileKeys.Reading keys = ProfileKeys.read(map, KEYS);
      return new Read(of(keys.map()), keys.warnings().stream().map(w -> subject + ": " + w).toList());
    } catch (InvalidModelException e) {
      throw e.about(subject);
    }
  }

  /** {@link #read}'s profile, for a caller with nobody to tell the warnings to. */
  public static Profile fromMap(String name, Map<String, ?> map) {
    return read(name, map).profile();
  }

  /** {@link #read}'s profile, of a profile whose name is not known here. */
  public static Profile fromMap(Map<String, ?> map) {
    new Fields(SUBJECT).root(map);
    return of(ProfileKeys.read(map, KEYS).map());
  }

  /** The profile of a map that holds only the keys this runtime reads. */
  private static Profile of(Map<String, ?> map) {
    Fields f = new Fields(SUBJECT);
    int poolLimit = intOr(f, map, "pool-limit", 10, POSITIVE);
    int queueLimit = intOr(f, map, "queue-limit", 100, NON_NEGATIVE);
    // the default depends on the other two, so it is checked once they are known good
    if (poolLimit <= 0) {
      throw f.bad("pool-limit", POSITIVE, map.get("pool-limit"));
    }
    if (queueLimit < 0) {
      throw f.bad("queue-limit", NON_NEGATIVE, map.get("queue-limit"));
    }
    Isolate isolate = map.containsKey("isolate") ? isolate(f, map.get("isolate")) : Isolate.process();
    Timeouts timeouts = new Timeouts(
        secondsOr(f, map, "spawn-timeout", isolate.type().equals(Isolate.DOCKER) ? DOCKER_SPAWN_TIMEOUT_SECONDS : 1.0),
        secondsOr(f, map, "handshake-timeout", 5.0),
        secondsOr(f, map, "heartbeat-timeout", 30.0),
        secondsOr(f, map, "seal-timeout", 60.0),
        secondsOr(f, map, "terminate-timeout", 10.0),
        secondsOr(f, map, "idle-timeout", 600.0),
        secondsOr(f, map, "request-timeout", 86400.0));
    return new Profile(
        poolLimit,
        queueLimit,
        intOr(f, map, "concurrency", 10, POSITIVE),
        intOr(f, map, "grow-threshold", Math.max(1, queueLimit / poolLimit / 2), POSITIVE),
        timeouts,
        intOr(f, map, "crashlog-limit", 50, NON_NEGATIVE),
        map.containsKey("log-output") && f.bool("log-output", map.get("log-output")),
        intOr(f, map, "publish-on", 0, NON_NEGATIVE),
        intOr(f, map, "unpublish-under", 0, NON_NEGATIVE),
        isolate);
  }

  /** The map to encode for storage, every key written, times in seconds as floats. */
  public Map<String, Object> toMap() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("pool-limit", poolLimit);
    map.put("queue-limit", queueLimit);
    map.put("concurrency", concurrency);
    map.put("grow-threshold", growThreshold);
    map.put("spawn-timeout", Fields.seconds(timeouts.spawn()));
    map.put("handshake-timeout", Fields.seconds(timeouts.handshake()));
    map.put("heartbeat-timeout", Fields.seconds(timeouts.heartbeat()));
    map.put("seal-timeout", Fields.seconds(timeouts.seal()));
    map.put("terminate-timeout", Fields.seconds(timeouts.terminate()));
    map.put("idle-timeout", Fields.seconds(timeouts.idle()));
    map.put("request-timeout", Fields.seconds(timeouts.request()));
    map.put("crashlog-limit", crashlogLimit);
    map.put("log-output", logOutput);
    map.put("publish-on", publishOn);
    map.put("unpublish-under", unpublishUnder);
    map.put("isolate", isolate.toMap());
    return Collections.unmodifiableMap(map);
  }

  private static int intOr(Fields f, Map<String, ?> map, String key, int fallback, String rule) {
    return map.containsKey(key) ? f.integer(key, map.get(key), rule) : fallback;
  }

  private static Duration secondsOr(Fields f, Map<String, ?> map, String key, double fallback) {
    return f.seconds(key, map.containsKey(key) ? map.get(key) : fallback);
  }

  private static Isolate isolate(Fields f, Object value) {
    Map<String, ?> isolate = f.map("isolate", value);
    Object args = isolate.get("args");
    // the original's default when a profile names no type
    String type = isolate.containsKey("type") ? f.nonEmptyString("isolate.type", isolate.get("type")) : Isolate.PROCESS;
    return new Isolate(type, args == null ? Map.of() : Fields.freezeMap(f.map("isolate.args", args)));
  }
}
