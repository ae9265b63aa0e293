package cocaine.node.isolate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cocaine.config.SettingsException;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The process isolate's policy as the config gives it, and the app folders it lets the isolate replace. */
class ProcessPolicyTest {
  private static ProcessPolicy from(String config) {
    return ProcessPolicy.from(ConfigFactory.parseString(config).withFallback(ConfigFactory.defaultReference()).resolve(),
        Path.of("/var/spool/cocaine/"));
  }

  @Test
  void theDefaultsAllowNoUserAndBoundArchives() {
    assertEquals(new ProcessPolicy(Path.of("/var/spool/cocaine"), Set.of(), 4L << 30, 100_000), from(""));
    assertEquals(ProcessPolicy.strict(Path.of("/var/spool/cocaine")), from(""));
  }

  @Test
  void theConfigIsReadAndItsMistakesNamed() {
    assertEquals(new ProcessPolicy(Path.of("/var/spool/cocaine"), Set.of("cocaine-apps"), 1L << 20, 10),
        from("cocaine.isolate { process.allow.users = [cocaine-apps], archive { max-bytes = 1MiB, max-entries = 10 } }"));
    assertEquals("cocaine.isolate.archive: max-bytes (0) and max-entries (10) must be at least 1", assertThrows(
        SettingsException.class, () -> from("cocaine.isolate.archive { max-bytes = 0, max-entries = 10 }")).getMessage());
    assertThrows(SettingsException.class, () -> from("cocaine.isolate.process.allow.users = nobody"));
  }

  @Test
  void anAppNameThatIsNoFolderNameIsRefused() {
    ProcessPolicy policy = ProcessPolicy.strict(Path.of("/var/spool/cocaine"));
    for (String app : new String[] {"..", ".", "a/b", ""}) {
      CocaineException e = assertThrows(CocaineException.class,
          () -> policy.appFolder(app, Path.of("/var/spool/cocaine")));
      assertEquals(ErrorCode.INVALID, e.code(), app);
    }
  }
}
