package cocaine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What app upload and info decide before they call the runtime. */
class AppCommandsTest {
  @TempDir Path dir;

  @Test
  void theManifestIsManifestJsonThenManifestThenTheShallowestBelow() throws Exception {
    Files.createDirectories(dir.resolve("a/b"));
    Files.writeString(dir.resolve("a/b/manifest.json"), "{}");
    Files.writeString(dir.resolve("a/manifest"), "{}");
    assertEquals(dir.resolve("a/manifest"), AppCommands.Upload.findManifest(dir));
    Files.writeString(dir.resolve("manifest"), "{}");
    assertEquals(dir.resolve("manifest"), AppCommands.Upload.findManifest(dir));
    Files.writeString(dir.resolve("manifest.json"), "{}");
    assertEquals(dir.resolve("manifest.json"), AppCommands.Upload.findManifest(dir));
  }

  @Test
  void aDirectoryWithoutManifestSaysHowToGiveOne() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AppCommands.Upload.findManifest(dir));
    assertTrue(e.getMessage().contains("no manifest.json (or manifest) in " + dir) && e.getMessage().contains("--manifest"),
        e.getMessage());
  }

  @Test
  void uploadRefusesWhatCannotWorkBeforeCallingTheRuntime() throws Exception {
    Path archive = dir.resolve("app.tar.gz");
    Files.writeString(archive, "not gzip");
    assertRefused("--package needs the app's name (-n) and its manifest (--manifest)", "app", "upload", "--package",
        archive.toString());
    assertRefused("give PATH or --package, not both", "app", "upload", dir.toString(), "--package", archive.toString());
    assertRefused("is not a gzip archive", "app", "upload", "-n", "a", "--manifest", "{\"slave\": \"x\"}", "--package",
        archive.toString());
    assertRefused("cocaine app deploy PATH", "app", "upload", dir.toString(), "--docker_address", "http://localhost:2375",
        "--registry", "localhost:5000");
  }

  @Test
  void infoMatchesShellWildcardsOverTheRunningApps() {
    List<String> apps = List.of("echo", "echo-v2", "web", "crash");
    assertTrue(AppCommands.Info.isWildcard("echo*") && AppCommands.Info.isWildcard("we?")
        && AppCommands.Info.isWildcard("[ec]*"));
    assertTrue(!AppCommands.Info.isWildcard("echo"));
    assertEquals(List.of("echo", "echo-v2"), AppCommands.Info.matching(apps, "echo*"));
    assertEquals(List.of("web"), AppCommands.Info.matching(apps, "we?"));
    assertEquals(List.of("crash", "echo", "echo-v2"), AppCommands.Info.matching(apps, "[ce]*"));
    assertEquals(List.of("web"), AppCommands.Info.matching(apps, "[!ce]*"));
  }

  private static void assertRefused(String message, String... args) {
    CliRun r = CliRun.of(args);
    assertEquals(2, r.exit(), r.toString());
    assertTrue(r.err().contains(message), r.toString());
  }
}
