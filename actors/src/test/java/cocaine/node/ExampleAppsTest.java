package cocaine.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import cocaine.node.app.AppService;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Message;
import cocaine.wire.Values;
import cocaine.wire.WireClient;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sample apps built by {@code ./mvnw -pl framework,examples install}, deployed the way
 * cocaine-tool does it: a .tar.gz archive in {@code apps/<app>}, the manifest and profile as msgpack
 * maps. Skipped when the examples are not built.
 */
class ExampleAppsTest {
  static final ActorTestKit testKit = ActorTestKit.create();
  static final Path APPS = Path.of("..", "examples", "target", "apps");
  NodeFixture node;

  @BeforeEach
  void start() throws Exception {
    assumeTrue(Files.isDirectory(APPS.resolve("echo")), "examples not built: " + APPS.toAbsolutePath());
    node = new NodeFixture(testKit);
  }

  @AfterEach
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @SuppressWarnings("unchecked")
  private void deploy(String app, Object... profileOverrides) throws Exception {
    Path folder = APPS.resolve(app);
    Path archive = node.dir.resolve(app + ".tar.gz");
    Process tar = new ProcessBuilder("tar", "-czf", archive.toString(), "-C", folder.toString(), ".").inheritIO().start();
    assertEquals(0, tar.waitFor());
    node.storage.write("apps", app, FrameEncoder.encodeValue(Values.bytes(Files.readAllBytes(archive))), List.of("app"));
    ObjectMapper json = new ObjectMapper();
    node.storage.putMap("manifests", app, json.readValue(folder.resolve("manifest.json").toFile(), Map.class));
    Map<String, Object> profile = new LinkedHashMap<>(json.readValue(folder.resolve("profile.json").toFile(), Map.class));
    for (int i = 0; i + 1 < profileOverrides.length; i += 2) {
      profile.put((String) profileOverrides[i], profileOverrides[i + 1]);
    }
    node.storage.putMap("profiles", app, profile);
    Frame started = node.startApp(app, app);
    assertEquals(0, started.type(), started.toString());
  }

  @Test
  void echoFromAnArchiveAnswersThroughTheJavaFramework() throws Exception {
    deploy("echo");
    try (WireClient client = node.appClient("echo")) {
      long ch = client.open(Message.of(AppService.ENQUEUE, Values.str("ping")));
      client.send(Message.write(Values.str("hello from the test")).on(ch));
      client.send(Message.close().on(ch));
      List<Frame> frames = client.all(ch);
      assertEquals(List.of(Message.write(Values.str("hello from the test")).on(ch), Message.close().on(ch)), frames);
    }
    assertTrue(Files.isRegularFile(node.dir.resolve("spool/echo/run.sh")), "unpacked into <spool>/<app>");
  }

  @Test
  void crashingExampleFailsTheCallerKeepsItsLastWordsAndIsRespawned() throws Exception {
    deploy("crash", "pool-limit", 1);
    try (WireClient client = node.appClient("crash")) {
      long ch = client.open(Message.of(AppService.ENQUEUE, Values.str("crash")));
      client.send(Message.close().on(ch));
      Frame reply = client.next(ch);
      assertEquals(ErrorCode.RESOURCE, reply.message().toException().code(), reply.toString());

      await().until(() -> !node.crashlogs().isEmpty());
      List<String> lines = node.crashlogs().values().iterator().next();
      assertTrue(lines.stream().anyMatch(l -> l.contains("the runtime should keep these lines in a crashlog")),
          lines.toString());

      long ping = client.open(Message.of(AppService.ENQUEUE, Values.str("ping")));
      client.send(Message.write(Values.str("again")).on(ping));
      client.send(Message.close().on(ping));
      assertEquals(Message.write(Values.str("again")).on(ping), client.next(ping));
    }
  }
}
