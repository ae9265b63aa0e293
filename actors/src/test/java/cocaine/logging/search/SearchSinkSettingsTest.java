package cocaine.logging.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.config.SettingsException;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SearchSinkSettingsTest {
  static Config config(String user) {
    return ConfigFactory.parseString(user).withFallback(ConfigFactory.defaultReference()).resolve();
  }

  @Test
  void noUrlMeansNoSink() {
    assertTrue(SearchSinkSettings.from(config(""), "host-1").isEmpty());
  }

  @Test
  void defaultsComeFromReferenceConf() {
    SearchSinkSettings s = SearchSinkSettings.from(config("cocaine.logging.search.url = \"http://127.0.0.1:9201/\""),
        "host-1").orElseThrow();
    assertEquals(URI.create("http://127.0.0.1:9201"), s.url());
    assertEquals("cocaine-", s.indexPrefix());
    assertEquals("host-1", s.node());
    assertEquals(500, s.batchSize());
    assertEquals(Duration.ofSeconds(1), s.flushInterval());
    assertEquals(20000, s.queueLimit());
    assertEquals(0, s.replicas());
    assertTrue(s.workerOutput());
  }

  @Test
  void badValuesAreRefusedNamingTheKey() {
    SettingsException url = assertThrows(SettingsException.class, () -> SearchSinkSettings.from(
        config("cocaine.logging.search.url = \"localhost:9200\""), "h"));
    assertTrue(url.getMessage().contains("cocaine.logging.search.url must be an http:// or https:// URL"), url.getMessage());
    SettingsException prefix = assertThrows(SettingsException.class, () -> SearchSinkSettings.from(
        config("cocaine.logging.search { url = \"http://h:9200\", index-prefix = \"Logs*\" }"), "h"));
    assertTrue(prefix.getMessage().contains("cocaine.logging.search.index-prefix must be lower-case"), prefix.getMessage());
    SettingsException queue = assertThrows(SettingsException.class, () -> SearchSinkSettings.from(
        config("cocaine.logging.search { url = \"http://h:9200\", queue-limit = 0 }"), "h"));
    assertTrue(queue.getMessage().contains("queue-limit must be >= 1, got 0"), queue.getMessage());
    SettingsException backoff = assertThrows(SettingsException.class, () -> SearchSinkSettings.from(
        config("cocaine.logging.search { url = \"http://h:9200\", backoff-min = 10s, backoff-max = 1s }"), "h"));
    assertTrue(backoff.getMessage().contains("backoff-max must be >= backoff-min"), backoff.getMessage());
  }
}
