package cocaine.node.isolate.docker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** A worker's container command and host config from the profile's args, without a daemon. */
class ContainerSpecTest {

  static TreeMap<String, String> argv(String endpoint) {
    TreeMap<String, String> args = new TreeMap<>();
    args.put("uuid", "u-1");
    args.put("app", "echo");
    args.put("endpoint", endpoint);
    args.put("locator", "127.0.0.1:10053");
    return args;
  }

  @Test
  void theSlaveGetsTheArgvInKeyOrderWithTheEndpointInsideTheMountedSocketFolder() {
    ContainerSpec spec = ContainerSpec.of(DockerOptions.parse(Map.of()), "/app/worker", argv("/run/node-1/echo.7"));
    assertEquals(List.of("/app/worker", "--app", "echo", "--endpoint", "/var/run/cocaine/echo.7",
        "--locator", "127.0.0.1:10053", "--uuid", "u-1"), spec.cmd());
    Bind socketFolder = spec.host().getBinds()[0];
    assertEquals("/run/node-1", socketFolder.getPath());
    assertEquals("/var/run/cocaine", socketFolder.getVolume().getPath());
  }

  @Test
  void aRuntimePathWithATrailingSlashMakesNoDoubleSlash() {
    ContainerSpec spec = ContainerSpec.of(DockerOptions.parse(Map.of("runtime-path", "/run/cocaine//")), "/w",
        argv("/run/node-1/echo.7"));
    assertTrue(spec.cmd().contains("/run/cocaine/echo.7"), spec.cmd().toString());
  }

  @Test
  void defaultsSetNoLimitDropEveryCapabilityAndAllowNoNewPrivileges() {
    HostConfig host = ContainerSpec.of(DockerOptions.parse(Map.of()), "/w", argv("/run/n/e.1")).host();
    assertEquals("bridge", host.getNetworkMode());
    assertEquals(1, host.getBinds().length, "only the socket folder");
    assertNull(host.getMemory());
    assertNull(host.getMemorySwap());
    assertNull(host.getCpuShares());
    assertArrayEquals(new Capability[] {Capability.ALL}, host.getCapDrop());
    assertNull(host.getCapAdd());
    assertEquals(List.of("no-new-privileges"), host.getSecurityOpts());
    assertNull(host.getPrivileged());
    assertNull(host.getDevices());
  }

  @Test
  void theProfilesVolumesLimitsNetworkAndCapabilitiesAreApplied() {
    DockerOptions options = DockerOptions.parse(Map.of(
        "network_mode", "host",
        "memory_limit", "256m",
        "memory_swap", -1L,
        "cpu_shares", 512L,
        "volumes", List.of("/srv/data:/data:ro"),
        "capabilities", List.of("NET_ADMIN")));
    HostConfig host = ContainerSpec.of(options, "/w", argv("/run/n/e.1")).host();
    assertEquals("host", host.getNetworkMode());
    assertEquals(2, host.getBinds().length);
    assertEquals("/srv/data", host.getBinds()[1].getPath());
    assertEquals(AccessMode.ro, host.getBinds()[1].getAccessMode());
    assertEquals(256L * 1024 * 1024, host.getMemory());
    assertEquals(-1L, host.getMemorySwap());
    assertEquals(512, host.getCpuShares());
    assertArrayEquals(new Capability[] {Capability.ALL}, host.getCapDrop());
    assertArrayEquals(new Capability[] {Capability.NET_ADMIN}, host.getCapAdd());
  }

  @Test
  void anEndpointThatIsNoSocketPathIsRefused() {
    TreeMap<String, String> args = argv("echo.7");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ContainerSpec.of(DockerOptions.parse(Map.of()), "/w", args));
    assertEquals("the worker's --endpoint is not a socket path: echo.7", e.getMessage());
    args.remove("endpoint");
    assertThrows(IllegalArgumentException.class, () -> ContainerSpec.of(DockerOptions.parse(Map.of()), "/w", args));
  }
}
