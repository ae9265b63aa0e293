package cocaine.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.config.SettingsException;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HttpsSettingsTest {
  /** The section over this module's defaults (reference.conf). */
  static Config config(String proxy) {
    return ConfigFactory.parseString("cocaine.proxy { " + proxy + " }").withFallback(ConfigFactory.defaultReference())
        .resolve();
  }

  static String refusal(String proxy) {
    return assertThrows(SettingsException.class, () -> HttpsSettings.from(config(proxy), "cocaine.proxy")).getMessage();
  }

  @Test
  void byDefaultPlainHttpOnly() {
    assertEquals(HttpsSettings.PLAIN, HttpsSettings.from(config(""), "cocaine.proxy"));
    assertEquals(HttpsSettings.PLAIN, HttpsSettings.from(config(""), "cocaine.admin"));
  }

  @Test
  void aCertificateAndKeyOpenHttpsBesideHttpOrInsteadOrRedirecting() {
    String tls = "tls { certificate = /etc/c.pem, key = /etc/c.key, port = 8443, reload-interval = 2s }";
    HttpsSettings both = HttpsSettings.from(config(tls), "cocaine.proxy");
    assertEquals(new HttpsSettings(HttpsSettings.HttpMode.ON, Optional.of(new HttpsSettings.Tls(Path.of("/etc/c.pem"),
        Path.of("/etc/c.key"), 8443, Duration.ofSeconds(2)))), both);
    assertEquals(HttpsSettings.HttpMode.OFF, HttpsSettings.from(config("http = off, " + tls), "cocaine.proxy").http());
    assertEquals(HttpsSettings.HttpMode.REDIRECT, HttpsSettings.from(config("http = redirect, " + tls), "cocaine.proxy").http());
  }

  @Test
  void inconsistentSettingsAreRefusedNamingTheKey() {
    assertTrue(refusal("tls.certificate = /etc/c.pem").contains("cocaine.proxy.tls: certificate and key go together, "
        + "only certificate is set"));
    assertTrue(refusal("http = off").contains("cocaine.proxy.http = off needs HTTPS: set cocaine.proxy.tls.certificate"));
    assertTrue(refusal("http = redirect").contains("http = redirect needs HTTPS"));
    assertTrue(refusal("http = maybe").contains("must be on, off or redirect, got \"maybe\""), refusal("http = maybe"));
    assertTrue(refusal("port = 8443, tls { certificate = c, key = k }").contains("cocaine.proxy.tls.port 8443 is "
        + "cocaine.proxy.port as well"));
    assertTrue(refusal("tls { certificate = c, key = k, reload-interval = 0s }").contains("reload-interval must be"));
  }
}
