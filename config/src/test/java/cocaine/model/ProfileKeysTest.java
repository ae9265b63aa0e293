package cocaine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Profiles read as the original read them: unknown keys ignored and told, 0.11 names mapped (docs/protocol.md 4.3). */
class ProfileKeysTest {
  private static Map<String, Object> map(Object... pairs) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i + 1 < pairs.length; i += 2) {
      m.put((String) pairs[i], pairs[i + 1]);
    }
    return m;
  }

  @Test
  void anUnknownKeyIsIgnoredWithOneWarningNamingItAndANearMiss() {
    Profile.Read read = Profile.read("web", map("pool_limit", 3, "pool-limit", 4, "shiny", true));
    assertEquals(4, read.profile().poolLimit());
    assertEquals(List.of("profile 'web': unknown key 'pool_limit' is ignored (did you mean 'pool-limit'?)",
        "profile 'web': unknown key 'shiny' is ignored"), read.warnings());
  }

  @Test
  void theOldNamesAreReadUnderTheNewOnesWithAWarningEach() {
    Profile.Read read = Profile.read("old", map("startup-timeout", 10, "termination-timeout", 2.5, "heartbeat-timeout",
        20, "idle-timeout", 60, "concurrency", 3, "pool-limit", 4, "queue-limit", 50, "grow-threshold", 2,
        "crashlog-limit", 7));
    Profile p = read.profile();
    assertEquals(Duration.ofSeconds(10), p.timeouts().spawn());
    assertEquals(Duration.ofSeconds(10), p.timeouts().handshake());
    assertEquals(Duration.ofMillis(2500), p.timeouts().terminate());
    assertEquals(Duration.ofSeconds(20), p.timeouts().heartbeat());
    assertEquals(Duration.ofSeconds(60), p.timeouts().idle());
    assertEquals(List.of(3, 4, 50, 2, 7), List.of(p.concurrency(), p.poolLimit(), p.queueLimit(), p.growThreshold(),
        p.crashlogLimit()));
    assertEquals(List.of(
        "profile 'old': 'startup-timeout' is the 0.11 name of 'spawn-timeout' and 'handshake-timeout': read as"
            + " 'spawn-timeout' and 'handshake-timeout' = 10",
        "profile 'old': 'termination-timeout' is the 0.11 name of 'terminate-timeout': read as 'terminate-timeout' = 2.5"),
        read.warnings());
  }

  @Test
  void aNewNameWinsOverItsOldOne() {
    Profile.Read read = Profile.read("both", map("startup-timeout", 10, "spawn-timeout", 2, "termination-timeout", 9,
        "terminate-timeout", 1));
    assertEquals(Duration.ofSeconds(2), read.profile().timeouts().spawn());
    assertEquals(Duration.ofSeconds(10), read.profile().timeouts().handshake());
    assertEquals(Duration.ofSeconds(1), read.profile().timeouts().terminate());
    assertEquals(List.of(
        "profile 'both': 'startup-timeout' is the 0.11 name of 'spawn-timeout' and 'handshake-timeout': read as"
            + " 'handshake-timeout' = 10",
        "profile 'both': 'termination-timeout' (the 0.11 name of 'terminate-timeout') is ignored: 'terminate-timeout'"
            + " is set"), read.warnings());
  }

  @Test
  void anOldNameWithABadValueIsRefusedUnderItsNewName() {
    InvalidModelException e = assertThrows(InvalidModelException.class,
        () -> Profile.read("bad", map("termination-timeout", "soon")));
    assertEquals("profile 'bad': 'terminate-timeout' must be a non-negative number of seconds, got \"soon\"",
        e.getMessage());
  }

  @Test
  void unknownIsolateKeysAndArgsAreLeftOutWithAWarningEach() {
    Profile.Read read = Profile.read("box", map("isolate", map("type", "docker", "kind", "x",
        "args", map("registry", "127.0.0.1:5000", "memroy_limit", 1024, "cwd", "/app"))));
    assertEquals(Map.of("registry", "127.0.0.1:5000"), read.profile().isolate().args());
    assertEquals(List.of("profile 'box': unknown key 'isolate.kind' is ignored",
        "profile 'box': unknown arg 'isolate.args.memroy_limit' of the docker isolate is ignored (did you mean"
            + " 'memory_limit'?)",
        "profile 'box': unknown arg 'isolate.args.cwd' of the docker isolate is ignored"), read.warnings());

    Profile.Read process = Profile.read("p", map("isolate", map("args", map("spool", "/tmp/s", "cgroup", map()))));
    assertEquals("process", process.profile().isolate().type(), "no type is the process isolate, as in the original");
    assertEquals(Map.of("spool", "/tmp/s"), process.profile().isolate().args());
    assertEquals(List.of("profile 'p': unknown arg 'isolate.args.cgroup' of the process isolate is ignored"),
        process.warnings());
  }

  @Test
  void escalatingDockerSettingsTheIsolateDoesNotOfferAreRefusedNotIgnored() {
    for (String key : ProfileKeys.DOCKER_REFUSED) {
      InvalidModelException e = assertThrows(InvalidModelException.class,
          () -> Profile.read("esc", map("isolate", map("type", "docker", "args", map(key, true)))));
      assertTrue(e.getMessage().startsWith("profile 'esc': 'isolate.args." + key + "' is a Docker setting that"
          + " escalates the container"), e.getMessage());
    }
    // the process isolate's own user arg is not a docker setting
    assertEquals(List.of(), Profile.read("p", map("isolate", map("type", "process", "args", map("user", "app"))))
        .warnings());
  }

  @Test
  void aProfileOfKnownKeysHasNoWarning() {
    assertEquals(List.of(), Profile.read("ok", map("pool-limit", 2, "spawn-timeout", 1, "isolate",
        map("type", "docker", "args", map("registry", "r:5000", "memory_limit", "64m")))).warnings());
  }
}
