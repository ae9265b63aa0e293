package cocaine.cluster.desired;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.wire.FrameEncoder;
import cocaine.wire.Values;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DesiredAppTest {
  @Test
  void packedRecordReadsBack() {
    DesiredApp d = new DesiredApp("echo", "3", "default", List.of("n1"), false, 4);
    assertEquals(d, DesiredApp.unpack("echo", d.pack()));
  }

  @Test
  void missingOptionalKeysMeanEveryNodeRunning() {
    DesiredApp d = DesiredApp.unpack("echo", pack(Map.of("version", 7, "profile", "p", "by", "a newer writer")));
    assertEquals("7", d.version());
    assertTrue(d.wantedOn("any"));
  }

  @Test
  void unusableRecordsAreRefusedNamingAppAndKey() {
    assertMessage("not msgpack", "echo", "garbage".getBytes(StandardCharsets.UTF_8));
    assertMessage("not a map", "echo", pack(List.of(1)));
    assertMessage("'profile' must be a string", "echo", pack(Map.of("version", "1")));
    assertMessage("'nodes' must be a list", "echo", pack(Map.of("version", "1", "profile", "p", "nodes", "n1")));
    assertMessage("'running' must be true or false", "echo",
        pack(Map.of("version", "1", "profile", "p", "running", "yes")));
    assertMessage("needs a version and a profile", "echo", pack(Map.of("version", "", "profile", "p")));
  }

  @Test
  void aCanaryReadsBackIsLabelledAndIsDroppedByANewVersion() {
    DesiredApp d = new DesiredApp("echo", "2", "default", List.of(), true, 0).withCanary("3", 20, "echo@3");
    assertEquals(d, DesiredApp.unpack("echo", d.pack()));
    assertEquals("2+3@20", d.label());
    assertEquals("3", d.atVersion("3", "echo@3").label());
    assertMessage("a canary needs a version and a percent of 1..99", "echo", pack(Map.of("version", "1", "profile",
        "p", "canary", Map.of("version", "2", "percent", 100))));
    assertMessage("'canary' must be {version, percent}", "echo", pack(Map.of("version", "1", "profile", "p",
        "canary", "2")));
  }

  @Test
  void stoppedRecordIsWantedNowhere() {
    assertFalse(new DesiredApp("echo", "1", "p", List.of(), false, 0).wantedOn("n1"));
  }

  private static void assertMessage(String part, String app, byte[] blob) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DesiredApp.unpack(app, blob));
    assertTrue(e.getMessage().contains(part) && e.getMessage().contains("'" + app + "'"), e.getMessage());
  }

  private static byte[] pack(Object o) {
    return FrameEncoder.encodeValue(Values.fromJava(o));
  }
}
