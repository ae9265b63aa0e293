package cocaine.unicorn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.config.SettingsException;
import cocaine.wire.CocaineException;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code cocaine.services.unicorn} as read at start-up, and the paths clients may give. */
class UnicornSettingsTest {
  static Config with(String hocon) {
    return ConfigFactory.parseString("cocaine.services.unicorn.enabled = on\n" + hocon)
        .withFallback(ConfigFactory.load()).resolve();
  }

  @Test
  void defaultsAreOffUnderTheirOwnRootOnTheStoragesZookeeper() {
    UnicornSettings s = UnicornSettings.from(ConfigFactory.parseString(
        "cocaine.storage.zookeeper.connect = \"zk1:2181,zk2:2181\"").withFallback(ConfigFactory.load()).resolve());
    assertFalse(s.enabled());
    assertEquals("zk1:2181,zk2:2181", s.connect());
    assertEquals("/unicorn", s.root());
    assertEquals(512 * 1024, s.maxValueBytes());
  }

  @Test
  void aRootThatOverlapsTheStoragesTreeOrIsTheWholeTreeIsRefused() {
    for (String root : List.of("/", "/cocaine", "/cocaine/apps", "/unicorn/")) {
      SettingsException e = assertThrows(SettingsException.class,
          () -> UnicornSettings.from(with("cocaine.services.unicorn.root = \"" + root + "\"")), root);
      assertTrue(e.getMessage().contains("cocaine.services.unicorn.root"), e.getMessage());
    }
    SettingsException inside = assertThrows(SettingsException.class, () -> UnicornSettings.from(with(
        "cocaine.storage.zookeeper.root = \"/shared/cocaine\"\ncocaine.services.unicorn.root = \"/shared\"")));
    assertTrue(inside.getMessage().contains("overlaps"), inside.getMessage());
    // a node that does not serve unicorn starts whatever the roots
    assertFalse(UnicornSettings.from(ConfigFactory.parseString("cocaine.services.unicorn.root = \"/cocaine\"")
        .withFallback(ConfigFactory.load()).resolve()).enabled());
  }

  @Test
  void aValueLimitZookeeperCannotTakeAndABadPrivatePathAreRefused() {
    assertThrows(SettingsException.class, () -> UnicornSettings.from(with("cocaine.services.unicorn.max-value-bytes = 1MiB")));
    assertThrows(SettingsException.class, () -> UnicornSettings.from(with("cocaine.services.unicorn.subscription-buffer = 0")));
    SettingsException path = assertThrows(SettingsException.class,
        () -> UnicornSettings.from(with("cocaine.services.unicorn.private-paths = [\"secret\"]")));
    assertTrue(path.getMessage().contains("private-paths"), path.getMessage());
  }

  @Test
  void clientPathsMapUnderTheRootAndPrivatePathsCoverTheirSubtrees() {
    Prefix prefix = new Prefix("/unicorn", List.of("/secret"));
    assertEquals("/unicorn/a/b", prefix.znode("/a/b"));
    assertEquals("/unicorn", prefix.znode("/"));
    assertEquals("/a/b", prefix.path("/unicorn/a/b"));
    assertTrue(prefix.isPrivate("/secret") && prefix.isPrivate("/secret/x/y"));
    assertFalse(prefix.isPrivate("/secretive") || prefix.isPrivate("/public"));
    for (String bad : List.of("", "a", "/a/", "//", "/a/../b", "/..", "/a/.", "/x\u0001", "/" + "n".repeat(5000))) {
      CocaineException e = assertThrows(CocaineException.class, () -> prefix.znode(bad), bad);
      assertEquals(UnicornError.INVALID_PATH.code(), e.code(), bad);
    }
  }
}
