package cocaine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ProfileTest {

  @Test
  void emptyMapGivesEveryDefaultOfTheSpec() {
    Profile p = Profile.fromMap("default", Map.of());
    assertEquals(10, p.poolLimit());
    assertEquals(100, p.queueLimit());
    assertEquals(10, p.concurrency());
    assertEquals(5, p.growThreshold());
    assertEquals(new Profile.Timeouts(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30),
        Duration.ofSeconds(60), Duration.ofSeconds(10), Duration.ofSeconds(600), Duration.ofSeconds(86400)),
        p.timeouts());
    assertEquals(50, p.crashlogLimit());
    assertFalse(p.logOutput());
    assertEquals(0, p.publishOn());
    assertEquals(0, p.unpublishUnder());
    assertEquals(new Profile.Isolate("process", Map.of()), p.isolate());
    assertEquals(p, Profile.DEFAULT);
  }

  @Test
  void growThresholdDefaultsToQueueLimitOverPoolLimitOverTwoButAtLeastOne() {
    assertEquals(20, Profile.fromMap(Map.of("queue-limit", 200L, "pool-limit", 5L)).growThreshold());
    assertEquals(1, Profile.fromMap(Map.of("queue-limit", 3, "pool-limit", 10)).growThreshold());
    assertEquals(1, Profile.fromMap(Map.of("queue-limit", 0)).growThreshold());
    assertEquals(7, Profile.fromMap(Map.of("queue-limit", 200, "grow-threshold", 7)).growThreshold());
  }

  @Test
  void secondsMayBeFloatsAndAreKeptToTheMillisecond() {
    Profile p = Profile.fromMap(Map.of("spawn-timeout", 0.25, "heartbeat-timeout", 2, "request-timeout", 1.5));
    assertEquals(Duration.ofMillis(250), p.timeouts().spawn());
    assertEquals(Duration.ofSeconds(2), p.timeouts().heartbeat());
    assertEquals(Duration.ofMillis(1500), p.timeouts().request());
  }

  @Test
  void dockerIsolateDefaultsToASpawnTimeoutLongEnoughForAContainerStart() {
    Map<String, Object> docker = Map.of("type", "docker", "args", Map.of());
    assertEquals(Duration.ofSeconds(15), Profile.fromMap(Map.of("isolate", docker)).timeouts().spawn());
    assertEquals(Duration.ofSeconds(1), Profile.fromMap(Map.of()).timeouts().spawn());
    assertEquals(Duration.ofMillis(2500),
        Profile.fromMap(Map.of("isolate", docker, "spawn-timeout", 2.5)).timeouts().spawn());
  }

  @Test
  void wholeDoublesAreIntegersAndFractionsAreNot() {
    assertEquals(12, Profile.fromMap(Map.of("pool-limit", 12.0)).poolLimit());
    InvalidModelException e = assertThrows(InvalidModelException.class,
        () -> Profile.fromMap("p", Map.of("pool-limit", 2.5)));
    assertEquals("profile 'p': 'pool-limit' must be a positive integer, got 2.5", e.getMessage());
  }

  @Test
  void negativePoolLimitNamesProfileAndField() {
    InvalidModelException e = assertThrows(InvalidModelException.class,
        () -> Profile.fromMap("default", Map.of("pool-limit", -1L)));
    assertEquals("profile 'default': 'pool-limit' must be a positive integer, got -1", e.getMessage());
    assertEquals("profile 'default'", e.subject());
  }

  static Stream<Arguments> refusedProfiles() {
    return Stream.of(
        Arguments.of(Map.of("pool-limit", 0), "'pool-limit' must be a positive integer, got 0"),
        Arguments.of(Map.of("pool-limit", "ten"), "'pool-limit' must be a positive integer, got \"ten\""),
        Arguments.of(Map.of("pool-limit", 5_000_000_000L), "'pool-limit' must be a positive integer (at most 2147483647), got 5000000000"),
        Arguments.of(Map.of("concurrency", 0), "'concurrency' must be a positive integer, got 0"),
        Arguments.of(Map.of("queue-limit", -1), "'queue-limit' must be a non-negative integer, got -1"),
        Arguments.of(Map.of("grow-threshold", 0), "'grow-threshold' must be a positive integer, got 0"),
        Arguments.of(Map.of("crashlog-limit", -5), "'crashlog-limit' must be a non-negative integer, got -5"),
        Arguments.of(Map.of("heartbeat-timeout", 0), "'heartbeat-timeout' must be more than 0 seconds, got 0.0"),
        Arguments.of(Map.of("spawn-timeout", -1.0), "'spawn-timeout' must be a non-negative number of seconds, got -1.0"),
        Arguments.of(Map.of("seal-timeout", "60"), "'seal-timeout' must be a non-negative number of seconds, got \"60\""),
        Arguments.of(Map.of("log-output", "yes"), "'log-output' must be true or false, got \"yes\""),
        Arguments.of(Map.of("pool-limit", 2, "publish-on", 3), "'publish-on' must not exceed pool-limit (2), got 3"),
        Arguments.of(Map.of("publish-on", 1, "unpublish-under", 2), "'publish-on' must be at least unpublish-under (2), got 1"),
        Arguments.of(Map.of("unpublish-under", -1), "'unpublish-under' must be a non-negative integer, got -1"),
        Arguments.of(Map.of("isolate", "docker"), "'isolate' must be a map with string keys, got \"docker\""),
        Arguments.of(Map.of("isolate", Map.of("type", "lxc")), "'isolate.type' must be one of docker, process, got \"lxc\""),
        Arguments.of(Map.of("isolate", Map.of("type", "")), "'isolate.type' must be a non-empty string, got \"\""),
        Arguments.of(Map.of("isolate", Map.of("type", "docker", "args", List.of())),
            "'isolate.args' must be a map with string keys, got a list"));
  }

  @ParameterizedTest
  @MethodSource("refusedProfiles")
  void badFieldIsRefusedNamingProfileAndField(Map<String, ?> map, String detail) {
    InvalidModelException e = assertThrows(InvalidModelException.class, () -> Profile.fromMap("web", map));
    assertEquals("profile 'web': " + detail, e.getMessage());
  }

  @Test
  void dockerIsolateKeepsItsArgsUnmodifiable() {
    Map<String, Object> args = new HashMap<>();
    args.put("registry", "127.0.0.1:5000");
    args.put("memory_limit", 1L << 30);
    Profile p = Profile.fromMap(Map.of("isolate", Map.of("type", "docker", "args", args)));
    args.put("registry", "changed");
    assertEquals("docker", p.isolate().type());
    assertEquals("127.0.0.1:5000", p.isolate().args().get("registry"));
    assertThrows(UnsupportedOperationException.class, () -> p.isolate().args().put("x", 1));
  }

  @Test
  void toMapWritesEveryKeyWithSecondsAsFloatsAndReadsBackEqual() {
    Profile p = Profile.fromMap(Map.of("pool-limit", 4, "spawn-timeout", 0.5, "log-output", true,
        "publish-on", 2, "unpublish-under", 1, "isolate", Map.of("type", "docker", "args", Map.of("repository", "apps"))));
    Map<String, Object> map = p.toMap();
    assertEquals(Profile.KEYS, List.copyOf(map.keySet()));
    assertEquals(0.5, map.get("spawn-timeout"));
    assertEquals(86400.0, map.get("request-timeout"));
    assertEquals(Map.of("type", "docker", "args", Map.of("repository", "apps")), map.get("isolate"));
    assertEquals(p, Profile.fromMap(map));
  }

  @Test
  void nilProfileIsRefused() {
    InvalidModelException e = assertThrows(InvalidModelException.class, () -> Profile.fromMap("web", null));
    assertEquals("profile 'web': must be a map, got nothing", e.getMessage());
  }
}
