package cocaine.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.config.SettingsException;
import cocaine.security.AccessToken;
import cocaine.wire.Header;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The builder calls with the token the runtime checks, read from the same {@code cocaine.security} keys. */
class CallerTokenTest {
  @TempDir
  Path dir;

  @Test
  void theRuntimesOwnCheckAcceptsTheHeadersReadFromTheSameSettings() throws Exception {
    Path file = dir.resolve("token");
    Files.writeString(file, "s3cret-from-file\nsecond line is ignored\n");
    for (Config config : List.of(security("token = \"s3cret\""),
        security("token = \"other\", token-file = \"" + file + "\""))) {
      CallerToken caller = CallerToken.from(config);
      AccessToken runtime = AccessToken.from(config);
      assertTrue(caller.present());
      runtime.check(caller.headers(), "storage.write('manifests', 'echo')");
      assertTrue(runtime.allows(caller.headers()));
    }
  }

  @Test
  void withoutATokenNoHeaderIsSent() {
    CallerToken none = CallerToken.from(security("token = \"\""));
    assertFalse(none.present());
    assertEquals(List.of(), none.headers());
    assertEquals(List.of(), CallerToken.of(null).headers());
    assertEquals(List.of(), CallerToken.of("  ").headers());
  }

  @Test
  void headerIsBearerAndTheTokenNeverShowsInToString() {
    CallerToken token = CallerToken.of(" s3cret ");
    assertEquals(List.of(Header.of(Header.AUTHORIZATION, "Bearer s3cret")), token.headers());
    assertEquals("CallerToken[<set>]", token.toString());
    DeployTarget target = new DeployTarget("unix:///var/run/docker.sock", "r:5000", "h", 1,
        Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(15), token);
    assertFalse(target.toString().contains("s3cret"), target.toString());
  }

  @Test
  void unreadableOrEmptyTokenFileStopsStartUpNamingTheKey() throws Exception {
    SettingsException missing = assertThrows(SettingsException.class,
        () -> CallerToken.from(security("token-file = \"" + dir.resolve("absent") + "\"")));
    assertTrue(missing.getMessage().startsWith("cocaine.security.token-file: cannot read " + dir.resolve("absent")),
        missing.getMessage());
    Path empty = Files.writeString(dir.resolve("empty"), "\n");
    SettingsException blank = assertThrows(SettingsException.class,
        () -> CallerToken.from(security("token-file = \"" + empty + "\"")));
    assertEquals("cocaine.security.token-file: " + empty + " holds no token on its first line", blank.getMessage());
  }

  private static Config security(String settings) {
    // the rest of cocaine.security from the runtime's own defaults, so a new key needs no change here
    return ConfigFactory.parseString("cocaine.security { " + settings + " }")
        .withFallback(ConfigFactory.defaultReference());
  }
}
