package cocaine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ManifestTest {

  @Test
  void slaveAndEnvironmentAreRead() {
    Manifest m = Manifest.fromMap("echo", Map.of("slave", "bin/echo", "environment", Map.of("MODE", "fast")));
    assertEquals("bin/echo", m.slave());
    assertEquals(Map.of("MODE", "fast"), m.environment());
    assertFalse(m.streaming());
    assertEquals(Map.of(), m.extra());
  }

  @Test
  void missingSlaveNamesAppAndField() {
    InvalidModelException e = assertThrows(InvalidModelException.class,
        () -> Manifest.fromMap("echo", Map.of("environment", Map.of())));
    assertEquals("manifest 'echo': 'slave' must be a non-empty string, got nothing", e.getMessage());
  }

  @Test
  void emptySlaveIsRefused() {
    InvalidModelException e = assertThrows(InvalidModelException.class, () -> Manifest.fromMap("echo", Map.of("slave", "")));
    assertEquals("manifest 'echo': 'slave' must be a non-empty string, got \"\"", e.getMessage());
  }

  @Test
  void environmentValueThatIsNotAStringIsRefusedByName() {
    InvalidModelException e = assertThrows(InvalidModelException.class,
        () -> Manifest.fromMap("echo", Map.of("slave", "echo", "environment", Map.of("PORT", 8080L))));
    assertEquals("manifest 'echo': 'environment.PORT' must be a string, got 8080", e.getMessage());
  }

  @Test
  void environmentThatIsNotAMapIsRefused() {
    InvalidModelException e = assertThrows(InvalidModelException.class,
        () -> Manifest.fromMap("echo", Map.of("slave", "echo", "environment", "A=B")));
    assertEquals("manifest 'echo': 'environment' must be a map with string keys, got \"A=B\"", e.getMessage());
  }

  @Test
  void environmentNameTheOsCannotTakeIsRefused() {
    InvalidModelException e = assertThrows(InvalidModelException.class,
        () -> Manifest.fromMap("echo", Map.of("slave", "echo", "environment", Map.of("A=B", "c"))));
    assertTrue(e.getMessage().contains("'environment' names must be non-empty and hold no '='"), e.getMessage());
  }

  @Test
  void streamingIsAnOptInFlag() {
    assertTrue(Manifest.fromMap(Map.of("slave", "s", "streaming", true)).streaming());
    InvalidModelException e = assertThrows(InvalidModelException.class,
        () -> Manifest.fromMap("up", Map.of("slave", "s", "streaming", "yes")));
    assertEquals("manifest 'up': 'streaming' must be true or false, got \"yes\"", e.getMessage());
  }

  @Test
  void otherKeysAreKeptInExtraAndWrittenBack() {
    Map<String, Object> stored = Map.of("slave", "s", "drivers", Map.of("fs", Map.of("type", "fs")), "local", true);
    Manifest m = Manifest.fromMap(stored);
    assertEquals(Map.of("drivers", Map.of("fs", Map.of("type", "fs")), "local", true), m.extra());
    Map<String, Object> written = m.toMap();
    assertEquals(Map.of("fs", Map.of("type", "fs")), written.get("drivers"));
    assertEquals(m, Manifest.fromMap(written));
  }

  @Test
  void extraCannotShadowAField() {
    assertThrows(InvalidModelException.class, () -> new Manifest("s", Map.of(), false, Map.of("slave", "other")));
  }
}
