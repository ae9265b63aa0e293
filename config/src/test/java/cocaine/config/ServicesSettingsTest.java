package cocaine.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServicesSettingsTest {
  @Test
  void theDefaultsTurnEveryServiceOnWithTheirBounds() {
    ServicesSettings s = ServicesSettings.from(Settings.load("node", ConfigFactory.empty()).config());
    assertEquals(new ServicesSettings.Urlfetch(true, 10, 16 << 20, 10, Duration.ofSeconds(60), List.of(), false),
        s.urlfetch());
    assertEquals(new ServicesSettings.Chrono(true, 1024, Duration.ofMillis(10)), s.chrono());
    assertEquals(new ServicesSettings.Cache(true, 64L << 20), s.cache());
    assertTrue(s.metrics());
    assertEquals(new ServicesSettings.Uniresis(true, Path.of("/tmp/cocaine/state"), 0), s.uniresis());
  }

  @Test
  void aServiceTurnedOffAndABadBoundAreRead() {
    ServicesSettings off = ServicesSettings.from(Settings.load("node",
        ConfigFactory.parseString("cocaine.services.cache.enabled = false")).config());
    assertEquals(false, off.cache().enabled());
    SettingsException e = assertThrows(SettingsException.class, () -> ServicesSettings.from(Settings.load("node",
        ConfigFactory.parseString("cocaine.services.urlfetch.connections-limit = 0")).config()));
    assertTrue(e.getMessage().contains("cocaine.services.urlfetch.connections-limit"), e.getMessage());
  }

  @Test
  void allowAddressesAreReadAsBlocksAndAHostNameAmongThemIsRefusedByIndex() {
    ServicesSettings s = ServicesSettings.from(Settings.load("node", ConfigFactory.parseString(
        "cocaine.services.urlfetch { allow-addresses = [\"127.0.0.1/32\", \"fd00::/8\"], deny-private = true }"))
        .config());
    assertEquals(List.of(AddressBlock.parse("127.0.0.1/32").orElseThrow(), AddressBlock.parse("fd00::/8").orElseThrow()),
        s.urlfetch().allowAddresses());
    assertTrue(s.urlfetch().denyPrivate());
    SettingsException e = assertThrows(SettingsException.class, () -> ServicesSettings.from(Settings.load("node",
        ConfigFactory.parseString("cocaine.services.urlfetch.allow-addresses = [\"10.0.0.0/8\", \"localhost\"]"))
        .config()));
    assertTrue(e.getMessage().contains("cocaine.services.urlfetch.allow-addresses[1]"), e.getMessage());
    assertTrue(e.getMessage().contains("CIDR"), e.getMessage());
  }
}
