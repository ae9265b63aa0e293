package cocaine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.config.PinnedPorts;
import cocaine.config.Settings;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigCommandsTest {
  @TempDir Path dir;

  @Test
  void importWritesHoconTheRuntimeLoadsAndListsWhatHasNoEquivalent() throws Exception {
    Path original = dir.resolve("cocaine.conf");
    Files.writeString(original, """
        {"version": 4, "paths": {"plugins": "/usr/lib/cocaine", "runtime": "/var/run/cocaine"},
         "network": {"pinned": {"locator": 10060, "node": 10061}},
         "services": {"node": {"type": "node::v2", "args": {"runlist": "prod"}}, "chrono": {"type": "chrono"}},
         "storages": {"core": {"type": "files", "args": {"path": "/var/lib/cocaine"}}}}
        """);
    Path out = dir.resolve("imported.conf");
    CliRun r = CliRun.of("config", "import", original.toString(), "-o", out.toString());
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.err().contains("no equivalent: paths.plugins"), r.toString());
    assertTrue(r.err().contains("no equivalent: services.chrono (chrono)"), r.toString());
    Settings s = Settings.load("all", ConfigFactory.parseFile(out.toFile()));
    assertEquals(10060, s.network().locatorPort());
    assertEquals(Map.of("node", 10061), PinnedPorts.from(s.config()).ports());
    assertEquals("prod", s.node().runlist());
    assertEquals(Path.of("/var/lib/cocaine"), s.paths().storage());
  }

  @Test
  void aFileThatIsNotAnOriginalConfigFailsWithWhy() throws Exception {
    Path bad = dir.resolve("bad.conf");
    Files.writeString(bad, "{ this is not json");
    CliRun r = CliRun.of("config", "import", bad.toString());
    assertTrue(r.exit() != 0, r.toString());
    assertTrue(r.err().contains("not a JSON config"), r.toString());
  }

  @Test
  void aTimeoutOfZeroIsRefusedBeforeAnythingIsStored() {
    CliRun r = CliRun.of("timeouts", "set", "-n", "echo", "0s", "--port", "1");
    assertEquals(2, r.exit(), r.toString());
    assertTrue(r.err().contains("TIMEOUT must be above 0"), r.toString());
  }
}
