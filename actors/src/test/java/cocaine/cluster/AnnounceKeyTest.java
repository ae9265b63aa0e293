package cocaine.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.config.SettingsException;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AnnounceKeyTest {
  static final String KEY = "0123456789abcdef0123456789abcdef";

  static Config config(String cluster) {
    return ConfigFactory.parseString("cocaine.locator.cluster { " + cluster + " }")
        .withFallback(ConfigFactory.parseString(
            "cocaine.locator.cluster { announce-key = \"\", announce-key-file = \"\", announce-window = 30s }"));
  }

  @Test
  void noKeyByDefaultMeansUnsignedAnnounces() {
    assertEquals(Optional.empty(), AnnounceKey.from(config("")));
  }

  @Test
  void theMacCoversTheAnnounceTheTimestampAndTheSequence() throws Exception {
    AnnounceKey key = AnnounceKey.from(config("announce-key = \"" + KEY + "\", announce-window = 5s")).orElseThrow();
    assertEquals(Duration.ofSeconds(5), key.window());
    byte[] announce = new Announce("n", java.util.List.of(new cocaine.locator.Endpoint("h", 1))).encode();
    byte[] datagram = key.sign(announce, 1234, 56);
    // computed here from the documented formula, with the JDK's HMAC and nothing of AnnounceKey
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(KEY.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    mac.update(announce);
    byte[] expected = mac.doFinal(ByteBuffer.allocate(16).putLong(1234).putLong(56).array());
    assertArrayEquals(expected, Arrays.copyOfRange(datagram, datagram.length - 32, datagram.length));
    AnnounceKey.Signature read = AnnounceKey.read(datagram, announce.length, datagram.length).orElseThrow();
    assertEquals(1234, read.timestampMillis());
    assertEquals(56, read.sequence());
    assertTrue(key.signed(datagram, announce.length, read));
  }

  @Test
  void theKeyFileReplacesTheKeyAndItsFirstLineIsTheKey(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("cluster.key");
    Files.writeString(file, KEY + "\nsecond line ignored\n");
    AnnounceKey fromFile = AnnounceKey.from(config("announce-key = \"ignored-because-a-file-is-set\", announce-key-file = \""
        + file + "\"")).orElseThrow();
    AnnounceKey inline = AnnounceKey.of(KEY.getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(30));
    byte[] announce = {(byte) 0x90};
    assertArrayEquals(inline.sign(announce, 1, 2), fromFile.sign(announce, 1, 2));
  }

  @Test
  void unusableKeysStopStartUpWithTheKeyNamedButNotShown(@TempDir Path dir) throws Exception {
    SettingsException shortKey = assertThrows(SettingsException.class,
        () -> AnnounceKey.from(config("announce-key = \"short-secret\"")));
    assertTrue(shortKey.getMessage().contains("cocaine.locator.cluster.announce-key: the key must be at least 16 bytes, got 12"),
        shortKey.getMessage());
    assertFalse(shortKey.getMessage().contains("short-secret"), shortKey.getMessage());
    SettingsException missing = assertThrows(SettingsException.class,
        () -> AnnounceKey.from(config("announce-key-file = \"" + dir.resolve("absent") + "\"")));
    assertTrue(missing.getMessage().contains("announce-key-file: cannot read"), missing.getMessage());
    Path empty = Files.writeString(dir.resolve("empty"), "\n");
    SettingsException blank = assertThrows(SettingsException.class,
        () -> AnnounceKey.from(config("announce-key-file = \"" + empty + "\"")));
    assertTrue(blank.getMessage().contains("holds no key on its first line"), blank.getMessage());
    SettingsException window = assertThrows(SettingsException.class,
        () -> AnnounceKey.from(config("announce-key = \"" + KEY + "\", announce-window = 0s")));
    assertTrue(window.getMessage().contains("announce-window must be a duration > 0"), window.getMessage());
  }

  @Test
  void theKeyIsNotInItsText() {
    AnnounceKey key = AnnounceKey.from(config("announce-key = \"" + KEY + "\"")).orElseThrow();
    assertFalse(key.toString().contains(KEY), key.toString());
  }
}
