package cocaine.node.isolate.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cocaine.config.SettingsException;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import com.github.dockerjava.api.model.Capability;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operator's docker policy: each escalating arg refused naming the setting, and let through once allowed. */
class DockerPolicyTest {
  @TempDir
  Path dir;

  private static String refused(DockerPolicy policy, Map<String, Object> args) {
    DockerOptions options = DockerOptions.parse(args);
    CocaineException e = assertThrows(CocaineException.class, () -> policy.check("echo", options));
    assertEquals(ErrorCode.PERMISSION_DENIED, e.code());
    return e.getMessage();
  }

  private static void allowed(DockerPolicy policy, Map<String, Object> args) {
    policy.check("echo", DockerOptions.parse(args));
  }

  private static DockerPolicy binds(Path... prefixes) {
    return new DockerPolicy(List.of(prefixes), Set.of(), Set.of(), Set.of());
  }

  @Test
  void theDefaultsNeedNothingAllowed() {
    allowed(DockerPolicy.NONE, Map.of());
    allowed(DockerPolicy.NONE, Map.of("network_mode", "none", "endpoint", "unix:///var/run//docker.sock",
        "memory_limit", "64m", "registry", "127.0.0.1:5000"));
  }

  @Test
  void aBindIsRefusedUnlessItsHostPathIsUnderAnAllowedPrefix() {
    assertEquals("app 'echo': profile field 'isolate.args.volumes' = '/:/host:rw' is not allowed on this node: add '/'"
        + " to cocaine.isolate.docker.allow.binds", refused(DockerPolicy.NONE, Map.of("volumes", List.of("/:/host:rw"))));
    DockerPolicy srv = binds(Path.of("/srv/apps"));
    allowed(srv, Map.of("volumes", List.of("/srv/apps/echo:/data:ro", "/srv/apps:/all")));
    // whole components only, and '..' resolved first
    assertEquals("app 'echo': profile field 'isolate.args.volumes' = '/srv/apps2:/data:rw' is not allowed on this node:"
        + " add '/srv/apps2' to cocaine.isolate.docker.allow.binds",
        refused(srv, Map.of("volumes", List.of("/srv/apps2:/data"))));
    assertEquals("app 'echo': profile field 'isolate.args.volumes' = '/srv/apps/../../etc:/etc:rw' is not allowed on"
        + " this node: add '/etc' to cocaine.isolate.docker.allow.binds",
        refused(srv, Map.of("volumes", List.of("/srv/apps/../../etc:/etc"))));
    allowed(binds(Path.of("/")), Map.of("volumes", List.of("/:/host:rw")));
  }

  @Test
  void aBindThroughASymlinkIsCheckedWhereItLeads() throws Exception {
    Path apps = Files.createDirectories(dir.resolve("apps"));
    Path secret = Files.createDirectories(dir.resolve("secret"));
    Files.createSymbolicLink(apps.resolve("link"), secret);
    String volume = apps.resolve("link") + ":/data";

    assertEquals("app 'echo': profile field 'isolate.args.volumes' = '" + volume + ":rw' is not allowed on this node ("
        + apps.resolve("link") + " leads to " + secret.toRealPath() + "): add '" + secret.toRealPath()
        + "' to cocaine.isolate.docker.allow.binds", refused(binds(apps), Map.of("volumes", List.of(volume))));
    allowed(binds(apps, secret.toRealPath()), Map.of("volumes", List.of(volume)));
  }

  @Test
  void anAddedCapabilityIsRefusedUnlessAllowed() {
    assertEquals("app 'echo': profile field 'isolate.args.capabilities' = 'SYS_ADMIN' is not allowed on this node: add"
        + " 'SYS_ADMIN' to cocaine.isolate.docker.allow.capabilities",
        refused(DockerPolicy.NONE, Map.of("capabilities", List.of("CAP_SYS_ADMIN"))));
    assertEquals("app 'echo': profile field 'isolate.args.capabilities' = 'ALL' is not allowed on this node: add 'ALL'"
        + " to cocaine.isolate.docker.allow.capabilities", refused(
            new DockerPolicy(List.of(), Set.of(Capability.NET_ADMIN), Set.of(), Set.of()),
            Map.of("capabilities", List.of("NET_ADMIN", "ALL"))));
    allowed(new DockerPolicy(List.of(), Set.of(Capability.NET_ADMIN), Set.of(), Set.of()),
        Map.of("capabilities", List.of("net_admin")));
    allowed(new DockerPolicy(List.of(), Set.of(Capability.ALL), Set.of(), Set.of()),
        Map.of("capabilities", List.of("SYS_ADMIN", "ALL")));
  }

  @Test
  void aNetworkModeOtherThanBridgeOrNoneIsRefusedUnlessAllowed() {
    assertEquals("app 'echo': profile field 'isolate.args.network_mode' = 'host' is not allowed on this node: add"
        + " 'host' to cocaine.isolate.docker.allow.network-modes",
        refused(DockerPolicy.NONE, Map.of("network_mode", "host")));
    refused(DockerPolicy.NONE, Map.of("network_mode", "container:db"));
    refused(DockerPolicy.NONE, Map.of("network_mode", "backend"));
    allowed(new DockerPolicy(List.of(), Set.of(), Set.of("backend"), Set.of()), Map.of("network_mode", "backend"));
  }

  @Test
  void anotherDaemonIsRefusedUnlessAllowed() {
    assertEquals("app 'echo': profile field 'isolate.args.endpoint' = 'tcp://10.0.0.1:2375' is not allowed on this"
        + " node: add 'tcp://10.0.0.1:2375' to cocaine.isolate.docker.allow.endpoints",
        refused(DockerPolicy.NONE, Map.of("endpoint", "tcp://10.0.0.1:2375")));
    refused(DockerPolicy.NONE, Map.of("endpoint", "unix:///run/user/1000/docker.sock"));
    allowed(new DockerPolicy(List.of(), Set.of(), Set.of(), Set.of("tcp://10.0.0.1:2375")),
        Map.of("endpoint", "tcp://10.0.0.1:2375/"));
  }

  @Test
  void theConfigIsReadAndItsMistakesNamed() {
    Config config = ConfigFactory.parseString("cocaine.isolate.docker.allow { binds = [\"/srv/apps/\"],"
        + " capabilities = [\"cap_net_bind_service\"], network-modes = [host], endpoints = [\"tcp://Docker:2375\"] }");
    DockerPolicy policy = DockerPolicy.from(config);
    assertEquals(List.of(Path.of("/srv/apps")), policy.binds());
    assertEquals(Set.of(Capability.NET_BIND_SERVICE), policy.capabilities());
    assertEquals(Set.of("host"), policy.networkModes());
    assertEquals(Set.of("tcp://docker:2375"), policy.endpoints());
    assertEquals(DockerPolicy.NONE, DockerPolicy.from(ConfigFactory.parseString(
        "cocaine.isolate.docker.allow { binds = [], capabilities = [], network-modes = [], endpoints = [] }")));

    assertEquals("cocaine.isolate.docker.allow.binds: 'srv' is not an absolute host path", assertThrows(
        SettingsException.class, () -> DockerPolicy.from(ConfigFactory.parseString(
            "cocaine.isolate.docker.allow { binds = [srv], capabilities = [], network-modes = [], endpoints = [] }")))
        .getMessage());
    assertThrows(SettingsException.class, () -> DockerPolicy.from(ConfigFactory.parseString(
        "cocaine.isolate.docker.allow { binds = [], capabilities = [root], network-modes = [], endpoints = [] }")));
    assertThrows(SettingsException.class, () -> DockerPolicy.from(ConfigFactory.parseString(
        "cocaine.isolate.docker.allow { binds = [], capabilities = [], network-modes = [], endpoints = [\"http://x\"] }")));
  }
}
