package cocaine.node.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class AppInfoTest {
  final Map<String, Object> manifest = Map.of("slave", "/bin/echo");
  final Map<String, Object> profile = Map.of("pool-limit", 2);
  final AppInfo info = new AppInfo("p", new Spooled(manifest, null, profile, null, null, null));

  @Test
  void theFlagsChooseTheManifestAndTheProfileData() {
    assertEquals(Map.of("state", "spooling", "uptime", 0L, "profile", Map.of("name", "p"), "publushed", false),
        info.base("spooling", false, 0, 0));
    Map<String, Object> all = info.base("running", true, InfoFlags.ALL, 7);
    assertEquals(List.of("state", "uptime", "profile", "publushed", "manifest"), List.copyOf(all.keySet()));
    assertEquals(Map.of("name", "p", "data", profile), all.get("profile"));
    assertEquals(manifest, all.get("manifest"));
    assertEquals(true, all.get("publushed"));
  }

  @Test
  void beforeSpoolingReadTheAppOnlyTheProfileNameIsShown() {
    Map<String, Object> early = new AppInfo("p", Spooled.NONE).base("spooling", false, InfoFlags.ALL, 0);
    assertEquals(Map.of("name", "p"), early.get("profile"));
    assertFalse(early.containsKey("manifest"));
  }

  @Test
  void aRunningAppAddsItsEngineReportOrWhyTheEngineDidNotAnswer() {
    Map<String, Object> queue = Map.of("depth", 0);
    assertEquals(queue, info.running(true, 0, 3, Map.of("queue", queue), null).get("queue"));
    Map<String, Object> late = info.running(true, InfoFlags.OVERSEER, 3, null, new TimeoutException("after 10 s"));
    assertEquals("the engine did not answer within ask-timeout: after 10 s", late.get("error"));
  }

  @Test
  void aBrokenAppShowsItsManifestProfileAndCause() {
    Map<String, Object> broken = info.broken(false, new CocaineException(ErrorCode.SPOOL_ERROR, "app 'a': bad archive"));
    assertEquals("broken", broken.get("state"));
    assertEquals(manifest, broken.get("manifest"));
    assertEquals("app 'a': bad archive", broken.get("error"));
    assertEquals(List.of(ErrorCode.SPOOL_ERROR.category(), ErrorCode.SPOOL_ERROR.code()), broken.get("cause"));
  }
}
