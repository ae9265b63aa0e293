package cocaine.storage.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.config.SettingsException;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

/** {@code cocaine.storage.zookeeper.chunk-bytes} is bounded at start by what ZooKeeper takes in one request. */
class ChunkBytesSettingTest {
  private static int chunkBytes(String value) {
    return ZookeeperStorage.chunkBytes(ConfigFactory.parseString("chunk-bytes = " + value));
  }

  @Test
  void sizesUpToAMebibyteLessHeadroomAreTaken() {
    assertEquals(512 * 1024, chunkBytes("512KiB"));
    assertEquals(1, chunkBytes("1"));
    assertEquals(1024 * 1024 - 16 * 1024, chunkBytes(String.valueOf(ZookeeperStorage.MAX_CHUNK_BYTES)));
  }

  @Test
  void aChunkZooKeeperWouldRefuseIsAConfigErrorNamingTheKeyAndTheBound() {
    for (String v : new String[] {"1MiB", "1032193", "2GiB", "64GiB"}) {
      SettingsException e = assertThrows(SettingsException.class, () -> chunkBytes(v), v);
      assertTrue(e.getMessage().startsWith("bad value for 'cocaine.storage.zookeeper.chunk-bytes': must be from 1 to"
          + " 1032192 bytes (ZooKeeper's jute.maxbuffer"), e.getMessage());
    }
  }

  @Test
  void zeroAndWordsAreConfigErrorsToo() {
    SettingsException zero = assertThrows(SettingsException.class, () -> chunkBytes("0"));
    assertTrue(zero.getMessage().endsWith("got 0"), zero.getMessage());
    SettingsException word = assertThrows(SettingsException.class, () -> chunkBytes("lots"));
    assertEquals("bad value for 'cocaine.storage.zookeeper.chunk-bytes': must be a size like 512KiB, got \"lots\"",
        word.getMessage());
  }
}
