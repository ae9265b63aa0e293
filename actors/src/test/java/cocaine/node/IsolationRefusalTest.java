package cocaine.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Values;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;

/** start_app answers an isolation refusal with its [category, code] and message; the app is broken with that cause. */
class IsolationRefusalTest extends FreshNodeTest {
  private CocaineException startFails(String app) throws Exception {
    Frame reply = node.startApp(app, app);
    assertEquals(1, reply.type(), "start_app: " + reply);
    return reply.message().toException();
  }

  @Test
  void aDockerBindTheNodeDoesNotAllowIsRefusedToTheCallerNamingTheSetting() throws Exception {
    node.app("web", Map.of(), NodeFixture.profile("isolate", Map.of("type", "docker", "args",
        Map.of("volumes", List.of("/:/host:rw")))));

    CocaineException e = startFails("web");

    assertEquals(ErrorCode.PERMISSION_DENIED, e.code());
    assertEquals("app 'web': profile field 'isolate.args.volumes' = '/:/host:rw' is not allowed on this node: add '/'"
        + " to cocaine.isolate.docker.allow.binds", e.getMessage());
    assertEquals("broken", node.info("web").get("state"));
  }

  @Test
  void aHostileArchiveIsRefusedToTheCallerAndNothingIsWritten() throws Exception {
    node.app("web", Map.of(), NodeFixture.profile());
    ByteArrayOutputStream archive = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(archive)) {
      byte[] owned = "owned".getBytes(StandardCharsets.UTF_8);
      TarArchiveEntry entry = new TarArchiveEntry("../../escaped");
      entry.setSize(owned.length);
      tar.putArchiveEntry(entry);
      tar.write(owned);
      tar.closeArchiveEntry();
    }
    node.storage.write("apps", "web", FrameEncoder.encodeValue(Values.bytes(archive.toByteArray())), List.of("app"));

    CocaineException e = startFails("web");

    assertEquals(ErrorCode.SPOOL_ERROR, e.code());
    assertEquals("app 'web': the archive (apps/web) is refused, nothing was unpacked: entry '../../escaped' climbs out"
        + " of the app folder with '..'", e.getMessage());
    assertTrue(Files.notExists(node.dir.resolve("escaped")));
    assertTrue(Files.notExists(node.dir.resolve("spool/web")));
  }
}
