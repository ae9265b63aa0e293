package cocaine.node.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cocaine.locator.Endpoint;
import cocaine.node.isolate.Isolate;
import cocaine.node.isolate.ProcessIsolate;
import cocaine.rpc.transport.ConnectionSettings;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node's isolates take their policy from cocaine.isolate: nothing escalating by default, what the config allows. */
class NodeIsolatesTest {
  @TempDir
  Path dir;
  final ExecutorService blocking = Executors.newFixedThreadPool(2);
  final ExecutorService outputs = ProcessIsolate.outputReaders(4);
  final Isolate.OutputPolicy output = new Isolate.OutputPolicy(50, 4096, false);

  @AfterEach
  void stop() {
    blocking.shutdownNow();
    outputs.shutdownNow();
  }

  private Isolate.Factory isolates(String config) {
    Config c = ConfigFactory.parseString(config).withFallback(ConfigFactory.defaultReference()).resolve();
    NodeConfig node = new NodeConfig("127.0.0.1", "127.0.0.1", List.of(new Endpoint("127.0.0.1", 10053)),
        dir.resolve("run"), dir.resolve("spool"), "default", Duration.ofSeconds(10), ConnectionSettings.DEFAULTS, 8);
    return NodeIsolates.create(c, node, blocking, outputs, Isolate.OutputListener.NONE);
  }

  private static CocaineException refused(Isolate.Factory isolates, String type, Map<String, Object> args) {
    return assertThrows(CocaineException.class, () -> isolates.create("echo", "worker", type, args, null));
  }

  @Test
  void byDefaultEveryEscalatingArgIsRefusedNamingItsSetting() {
    Isolate.Factory isolates = isolates("");
    CocaineException bind = refused(isolates, "docker", Map.of("volumes", List.of("/:/host:rw")));
    assertEquals(ErrorCode.PERMISSION_DENIED, bind.code());
    assertEquals("app 'echo': profile field 'isolate.args.volumes' = '/:/host:rw' is not allowed on this node: add '/'"
        + " to cocaine.isolate.docker.allow.binds", bind.getMessage());
    assertEquals(ErrorCode.PERMISSION_DENIED, refused(isolates, "docker", Map.of("capabilities", List.of("ALL"))).code());
    assertEquals(ErrorCode.PERMISSION_DENIED, refused(isolates, "docker", Map.of("network_mode", "host")).code());
    assertEquals(ErrorCode.PERMISSION_DENIED, refused(isolates, "docker", Map.of("endpoint", "tcp://h:2375")).code());
    CocaineException user = refused(isolates, "process", Map.of("user", "root"));
    assertEquals(ErrorCode.PERMISSION_DENIED, user.code());
    assertEquals("app 'echo': profile field 'isolate.args.user' = 'root' is not allowed on this node: add 'root' to"
        + " cocaine.isolate.process.allow.users", user.getMessage());
    CocaineException spool = refused(isolates, "process", Map.of("spool", "/etc"));
    assertEquals(ErrorCode.PERMISSION_DENIED, spool.code());
    assertEquals(ErrorCode.INVALID, refused(isolates, "porto", Map.of()).code());
  }

  @Test
  void whatTheConfigAllowsIsLetThrough() {
    Isolate.Factory isolates = isolates("cocaine.isolate.docker.allow { binds = [\"/srv\"], capabilities = [NET_ADMIN],"
        + " network-modes = [host], endpoints = [\"tcp://h:2375\"] }");
    Isolate docker = isolates.create("echo", "worker", "docker", Map.of("volumes", List.of("/srv/echo:/data"),
        "capabilities", List.of("NET_ADMIN"), "network_mode", "host", "endpoint", "tcp://h:2375"), output);
    docker.close();
    assertEquals(ErrorCode.PERMISSION_DENIED, refused(isolates, "docker", Map.of("volumes", List.of("/etc:/etc"))).code());
  }
}
