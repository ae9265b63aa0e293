package cocaine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RunlistTest {

  @Test
  void mapsEachAppToItsProfile() {
    Runlist r = Runlist.fromMap("default", Map.of("echo", "default", "web", "big"));
    assertEquals(Map.of("echo", "default", "web", "big"), r.apps());
    assertEquals(r, Runlist.fromMap(r.toMap()));
  }

  @Test
  void emptyRunlistStartsNothing() {
    assertEquals(Map.of(), Runlist.fromMap(Map.of()).apps());
  }

  @Test
  void profileThatIsNotAStringIsRefusedNamingTheApp() {
    InvalidModelException e = assertThrows(InvalidModelException.class,
        () -> Runlist.fromMap("default", Map.of("echo", 5)));
    assertEquals("runlist 'default': 'echo' must name a profile (a non-empty string), got 5", e.getMessage());
  }

  @Test
  void emptyProfileNameIsRefused() {
    InvalidModelException e = assertThrows(InvalidModelException.class,
        () -> Runlist.fromMap("default", Map.of("echo", "")));
    assertEquals("runlist 'default': 'echo' must name a profile (a non-empty string), got \"\"", e.getMessage());
  }

  @Test
  void emptyAppNameIsRefused() {
    InvalidModelException e = assertThrows(InvalidModelException.class,
        () -> Runlist.fromMap("default", Map.of("", "default")));
    assertEquals("runlist 'default': app names must be non-empty strings, got \"\"", e.getMessage());
  }
}
