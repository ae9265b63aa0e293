package cocaine.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OriginalConfigTest {
  static String resource(String name) throws IOException {
    try (InputStream in = OriginalConfigTest.class.getResourceAsStream("/original/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static Settings load(OriginalConfig.Imported imported) {
    return Settings.load("all", ConfigFactory.parseString(imported.hocon()));
  }

  @Test
  void aVersion4ConfigRoundTripsThroughImportIntoTheLoader() throws IOException {
    OriginalConfig.Imported imported = OriginalConfig.fromJson(resource("cocaine-v4.json"));
    Settings s = load(imported);
    assertEquals("3f1c2a9e-0d6b-4bb5-9a43-77e0c51d1a10", s.uuid());
    assertEquals("0.0.0.0", s.network().host());
    assertEquals("node1.example.net", s.network().hostname());
    assertEquals(10053, s.network().locatorPort());
    assertEquals(new NetworkSettings.PortRange(20000, 30000), s.network().sharedPorts());
    assertEquals(Map.of("storage", 10054, "logging", 10055), PinnedPorts.from(s.config()).ports());
    assertEquals("/var/run/cocaine", s.paths().runtime().toString());
    assertEquals("/var/spool/cocaine", s.paths().spool().toString());
    assertEquals("/var/lib/cocaine", s.paths().storage().toString());
    assertEquals(LoggingSettings.Verbosity.WARNING, s.logging().verbosity());
    assertEquals(ClusterSettings.Type.MULTICAST, s.locator().cluster().type());
    assertEquals(10054, s.locator().cluster().port());
    assertEquals(Duration.ofSeconds(5), s.locator().cluster().interval());
    assertEquals(List.of("node"), s.locator().restrict());
    assertEquals("production", s.node().runlist());
    assertEquals("zk1:2181,zk2:2181", s.config().getString("cocaine.storage.zookeeper.connect"));
    assertEquals("/cocaine", s.config().getString("cocaine.storage.zookeeper.root"));
  }

  @Test
  void whatHasNoEquivalentIsListedWithWhy() throws IOException {
    OriginalConfig.Imported imported = OriginalConfig.fromJson(resource("cocaine-v4.json"));
    String unmapped = String.join("\n", imported.unmapped());
    for (String key : List.of("paths.plugins", "logging.loggers", "services.locator.args.gateway",
        "services.unicorn (unicorn)", "services.urlfetch (urlfetch)", "storages.cache (files)", "unicorns.core")) {
      assertTrue(unmapped.contains(key), key + " is not listed among\n" + unmapped);
    }
    assertTrue(imported.hocon().contains("# no equivalent: services.urlfetch"), imported.hocon());
    assertTrue(imported.mapped().contains("network.pinned.locator -> cocaine.network.locator-port"),
        imported.mapped().toString());
  }

  @Test
  void aVersion3ConfigWithPredefinedNodesImportsToo() throws IOException {
    Settings s = load(OriginalConfig.fromJson(resource("cocaine-v3.json")));
    assertEquals(LoggingSettings.Verbosity.INFO, s.logging().verbosity());
    assertEquals(ClusterSettings.Type.PREDEFINE, s.locator().cluster().type());
    assertEquals("10.0.0.1:10053", s.config().getString("cocaine.locator.cluster.nodes.3f1c"));
  }

  @Test
  void textThatIsNotAnOriginalConfigIsRefusedClearly() {
    assertTrue(assertThrows(SettingsException.class, () -> OriginalConfig.fromJson("{ not json"))
        .getMessage().contains("not a JSON config"));
    assertTrue(assertThrows(SettingsException.class, () -> OriginalConfig.fromJson("{\"network\": 5}"))
        .getMessage().contains("'network'"));
  }

  @Test
  void aPinnedPortOutOfRangeOrForTheLocatorStopsLoadingWithItsKey() {
    SettingsException e = assertThrows(SettingsException.class, () -> Settings.load("all",
        ConfigFactory.parseString("cocaine.network.pinned { storage = 70000 }")));
    assertTrue(e.getMessage().contains("cocaine.network.pinned.storage"), e.getMessage());
    e = assertThrows(SettingsException.class, () -> Settings.load("all",
        ConfigFactory.parseString("cocaine.network.pinned { locator = 10053 }")));
    assertTrue(e.getMessage().contains("locator-port"), e.getMessage());
  }
}
