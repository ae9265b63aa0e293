package cocaine.storage.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import org.junit.jupiter.api.Test;

/** Where values, tags and chunks live under the root, and which names may become a path part. */
class LayoutTest {

  @Test
  void valuesTagsAndChunksLiveApartUnderTheRoot() {
    Layout layout = Layout.of("/cocaine/");
    assertEquals("/cocaine", layout.root(), "a trailing '/' is dropped");
    assertEquals("/cocaine/manifests", layout.collection("manifests"));
    assertEquals("/cocaine/manifests/echo", layout.value("manifests", "echo"));
    assertEquals("/cocaine/.tags/manifests", layout.tags("manifests"));
    assertEquals("/cocaine/.tags/manifests/app", layout.tag("manifests", "app"));
    assertEquals("/cocaine/.chunks/apps/echo@1", layout.chunks("apps", "echo@1"));
  }

  @Test
  void zookeepersOwnRootGivesAbsolutePathsWithoutADoubleSlash() {
    Layout layout = Layout.of("/");
    assertEquals("", layout.root());
    assertEquals("/manifests/echo", layout.value("manifests", "echo"));
    assertEquals("/.tags/manifests/app", layout.tag("manifests", "app"));
  }

  @Test
  void aRootThatIsNoZookeeperPathIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> Layout.of("cocaine"));
    assertThrows(IllegalArgumentException.class, () -> Layout.of("/a//b"));
  }

  @Test
  void plainNamesPassAndEveryOtherIsRefusedNamingWhatAndWhy() {
    Layout.validate("key", "echo@1");
    Layout.validate("key", "x".repeat(255));
    assertRefused("key", "", "must not be empty");
    assertRefused("key", null, "must not be empty");
    assertRefused("key", "x".repeat(256), "is longer than 255 bytes");
    assertRefused("tag", "a/b", "must not contain '/'");
    assertRefused("collection", ".tags", "must not start with '.' (reserved)");
    assertRefused("key", "..", "must not start with '.'");
    CocaineException nul = assertRefused("key", "a\0b", "invalid key 'a\\0b'");
    assertTrue(nul.getMessage().length() > "invalid key 'a\\0b': ".length(), "ZooKeeper's reason follows: " + nul);
  }

  private static CocaineException assertRefused(String what, String name, String expected) {
    CocaineException e = assertThrows(CocaineException.class, () -> Layout.validate(what, name));
    assertEquals(ErrorCode.INVALID, e.code());
    assertTrue(e.getMessage().startsWith("invalid " + what + " '"), e.getMessage());
    assertTrue(e.getMessage().contains(expected), e.getMessage());
    return e;
  }
}
