package cocaine.node.isolate.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Capability;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DockerOptionsTest {

  private static CocaineException refused(Map<String, Object> args) {
    CocaineException e = assertThrows(CocaineException.class, () -> DockerOptions.parse(args));
    assertEquals(ErrorCode.INVALID, e.code());
    return e;
  }

  @Test
  void emptyArgsGiveTheOriginalDefaults() {
    DockerOptions o = DockerOptions.parse(Map.of());
    assertEquals(URI.create("unix:///var/run/docker.sock"), o.endpoint());
    assertEquals(Optional.empty(), o.registry());
    assertEquals("/var/run/cocaine", o.runtimePath());
    assertEquals("bridge", o.networkMode());
    assertEquals(0, o.memoryLimit());
    assertEquals(0, o.memorySwap());
    assertEquals(0, o.cpuShares());
    assertEquals(Duration.ofSeconds(5), o.killTimeout());
    assertEquals("echo:latest", o.image("echo"));
  }

  @Test
  void everyOptionIsRead() {
    DockerOptions o = DockerOptions.parse(Map.ofEntries(
        Map.entry("endpoint", "tcp://10.0.0.1:2375"),
        Map.entry("registry", "127.0.0.1:5000"),
        Map.entry("repository", "team/apps"),
        Map.entry("tag", "v1.2"),
        Map.entry("runtime-path", "/run/cocaine"),
        Map.entry("network_mode", "host"),
        Map.entry("memory_limit", "256m"),
        Map.entry("memory_swap", -1L),
        Map.entry("cpu_shares", 512L),
        Map.entry("volumes", List.of("/srv/data:/data:ro", "/tmp/cache:/cache")),
        Map.entry("capabilities", List.of("NET_ADMIN", "cap_sys_ptrace")),
        Map.entry("kill_timeout", 2.5)));
    assertEquals("127.0.0.1:5000/team/apps/echo:v1.2", o.image("echo"));
    assertEquals(URI.create("tcp://10.0.0.1:2375"), o.endpoint());
    assertEquals(256L * 1024 * 1024, o.memoryLimit());
    assertEquals(-1, o.memorySwap());
    assertEquals(512, o.cpuShares());
    assertEquals("host", o.networkMode());
    assertEquals("/run/cocaine", o.runtimePath());
    assertEquals(2, o.volumes().size());
    assertEquals("/srv/data", o.volumes().get(0).getPath());
    assertEquals("/data", o.volumes().get(0).getVolume().getPath());
    assertEquals(AccessMode.ro, o.volumes().get(0).getAccessMode());
    assertEquals(List.of(Capability.NET_ADMIN, Capability.SYS_PTRACE), o.capabilities());
    assertEquals(Duration.ofMillis(2500), o.killTimeout());
  }

  @Test
  void dockerHubRegistryAddsNoPrefix() {
    assertEquals("library/echo:latest", DockerOptions.parse(Map.of("registry", "<default>", "repository", "library"))
        .image("echo"));
  }

  @Test
  void unknownOptionIsRefusedNamingItAndTheKnownOnes() {
    CocaineException e = refused(Map.of("memroy_limit", 1L << 30));
    assertTrue(e.getMessage().contains("'isolate.args': unknown option memroy_limit"), e.getMessage());
    assertTrue(e.getMessage().contains("memory_limit"), "lists what is read: " + e.getMessage());
  }

  @Test
  void memoryLimitBelowDockersMinimumIsRefused() {
    CocaineException e = refused(Map.of("memory_limit", 4L * 1024 * 1024));
    assertTrue(e.getMessage().contains("'isolate.args.memory_limit'"), e.getMessage());
    assertTrue(e.getMessage().contains("below Docker's minimum of 6 MB"), e.getMessage());
    assertEquals(DockerOptions.MIN_MEMORY_LIMIT, DockerOptions.parse(Map.of("memory_limit", "6m")).memoryLimit());
  }

  @Test
  void swapBelowTheMemoryLimitOrWithoutOneIsRefused() {
    assertTrue(refused(Map.of("memory_limit", "64m", "memory_swap", "32m")).getMessage()
        .contains("must be at least memory_limit"));
    assertTrue(refused(Map.of("memory_swap", "32m")).getMessage().contains("needs memory_limit"));
  }

  @Test
  void malformedValuesAreRefusedNamingTheField() {
    assertTrue(refused(Map.of("endpoint", "http://host:2375")).getMessage().contains("'isolate.args.endpoint'"));
    assertTrue(refused(Map.of("endpoint", "tcp://host")).getMessage().contains("host and port"));
    assertTrue(refused(Map.of("registry", "http://127.0.0.1:5000")).getMessage().contains("without a scheme"));
    assertTrue(refused(Map.of("repository", "Team")).getMessage().contains("'isolate.args.repository'"));
    assertTrue(refused(Map.of("tag", "-bad")).getMessage().contains("'isolate.args.tag'"));
    assertTrue(refused(Map.of("runtime-path", "run")).getMessage().contains("absolute"));
    assertTrue(refused(Map.of("memory_limit", "lots")).getMessage().contains("'isolate.args.memory_limit'"));
    assertTrue(refused(Map.of("cpu_shares", -5L)).getMessage().contains("'isolate.args.cpu_shares'"));
    assertTrue(refused(Map.of("volumes", List.of("data:/data"))).getMessage().contains("HOST_PATH:CONTAINER_PATH"));
    assertTrue(refused(Map.of("volumes", "/a:/b")).getMessage().contains("list of non-empty strings"));
    assertTrue(refused(Map.of("capabilities", List.of("FLY"))).getMessage().contains("unknown Linux capability 'FLY'"));
    assertTrue(refused(Map.of("kill_timeout", 0L)).getMessage().contains("positive number of seconds"));
    assertTrue(refused(Map.of("network_mode", "")).getMessage().contains("'isolate.args.network_mode'"));
  }

  @Test
  void appNameThatCannotBeAnImageNameIsRefused() {
    CocaineException e = assertThrows(CocaineException.class, () -> DockerOptions.parse(Map.of()).image("my app"));
    assertTrue(e.getMessage().contains("cannot be a Docker image name"), e.getMessage());
    assertEquals("echo_v2:latest", DockerOptions.parse(Map.of()).image("Echo_v2"));
  }

  @Test
  void escalatingDockerSettingsThisIsolateDoesNotOfferAreRefusedAsUnknown() {
    for (String key : List.of("privileged", "devices", "binds", "cap_add", "security_opt", "pid_mode", "ipc_mode",
        "userns_mode", "user")) {
      CocaineException e = refused(Map.of(key, true));
      assertTrue(e.getMessage().startsWith("profile field 'isolate.args': unknown option " + key + " "), e.getMessage());
    }
  }
}
