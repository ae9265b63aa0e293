package cocaine.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FilesStorageTest {
  @TempDir Path root;
  FilesStorage storage;

  @BeforeEach
  void open() {
    storage = FilesStorage.create(root, 2, 64);
  }

  @AfterEach
  void close() {
    storage.close();
  }

  static <T> T await(CompletionStage<T> stage) {
    return stage.toCompletableFuture().join();
  }

  static CocaineException failure(CompletionStage<?> stage) {
    try {
      stage.toCompletableFuture().join();
    } catch (CompletionException e) {
      return assertInstanceOf(CocaineException.class, e.getCause());
    }
    throw new AssertionError("expected a failure");
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void writtenValueIsReadBackAndStoredInTheOriginalLayout() throws Exception {
    await(storage.write("manifests", "echo", bytes("v1"), List.of("app")));

    assertArrayEquals(bytes("v1"), await(storage.read("manifests", "echo")));
    assertArrayEquals(bytes("v1"), Files.readAllBytes(root.resolve("manifests/echo")));
    Path link = root.resolve("manifests/app/echo");
    assertTrue(Files.isSymbolicLink(link));
    assertArrayEquals(bytes("v1"), Files.readAllBytes(link));
  }

  @Test
  void overwriteReplacesTheValueAndLeavesNoTemporaryFiles() throws Exception {
    await(storage.write("c", "k", bytes("old"), List.of()));
    await(storage.write("c", "k", bytes("new"), List.of()));

    assertArrayEquals(bytes("new"), await(storage.read("c", "k")));
    try (var files = Files.list(root.resolve("c"))) {
      assertEquals(List.of("k"), files.map(p -> p.getFileName().toString()).toList());
    }
  }

  @Test
  void missingKeyIsNotFoundWithCollectionAndKeyInTheMessage() {
    CocaineException e = failure(storage.read("manifests", "nope"));
    assertEquals(ErrorCode.NOT_FOUND, e.code());
    assertEquals("manifests/nope: no such object", e.getMessage());
    assertEquals(ErrorCode.NOT_FOUND, failure(storage.read("no-collection", "k")).code());
  }

  @Test
  void removeDeletesTheValueAndRemovingAMissingKeySucceeds() {
    await(storage.write("c", "k", bytes("x"), List.of("t")));
    await(storage.remove("c", "k"));
    assertEquals(ErrorCode.NOT_FOUND, failure(storage.read("c", "k")).code());
    await(storage.remove("c", "k"));
    await(storage.remove("other", "k"));
  }

  @Test
  void findReturnsOnlyKeysCarryingEveryTag() {
    await(storage.write("groups", "a", bytes("1"), List.of("group", "active")));
    await(storage.write("groups", "b", bytes("2"), List.of("group")));
    await(storage.write("groups", "c", bytes("3"), List.of("active", "group", "extra")));

    assertEquals(List.of("a", "c"), await(storage.find("groups", List.of("group", "active"))));
    assertEquals(List.of("a", "b", "c"), await(storage.find("groups", List.of("group"))));
    assertEquals(List.of("c"), await(storage.find("groups", List.of("extra", "group"))));
    assertEquals(List.of(), await(storage.find("groups", List.of("group", "missing-tag"))));
    assertEquals(List.of(), await(storage.find("missing-collection", List.of("group"))));
  }

  @Test
  void findPrunesLinksOfRemovedKeys() {
    await(storage.write("c", "a", bytes("1"), List.of("t")));
    await(storage.write("c", "b", bytes("2"), List.of("t")));
    await(storage.remove("c", "a"));

    assertEquals(List.of("b"), await(storage.find("c", List.of("t"))));
    assertFalse(Files.exists(root.resolve("c/t/a"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void rewritingARemovedKeyRestoresItsTag() {
    await(storage.write("c", "a", bytes("1"), List.of("t")));
    await(storage.remove("c", "a"));
    await(storage.write("c", "a", bytes("2"), List.of("t")));
    assertEquals(List.of("a"), await(storage.find("c", List.of("t"))));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", ".", "..", "a/b", "nul\0byte", ".hidden", "../escape"})
  void badKeysAreRefusedWithInvalidArgument(String key) {
    for (CompletionStage<?> op : List.of(storage.read("c", key), storage.write("c", key, bytes("x"), List.of()),
        storage.remove("c", key), storage.write("c", "ok", bytes("x"), List.of(key)))) {
      CocaineException e = failure(op);
      assertEquals(new ErrorCode(12, 22), e.code());
      assertTrue(e.getMessage().startsWith("invalid "), e.getMessage());
    }
    assertEquals(new ErrorCode(12, 22), failure(storage.read(key, "k")).code());
    assertFalse(Files.exists(root.resolve("escape")));
  }

  @Test
  void keyLongerThan255BytesIsRefusedAndTheMessageSaysWhy() {
    CocaineException e = failure(storage.write("c", "k".repeat(300), bytes("x"), List.of()));
    assertEquals(new ErrorCode(12, 22), e.code());
    assertTrue(e.getMessage().contains("300 bytes long, more than 255"), e.getMessage());
    assertTrue(e.getMessage().length() < 200, "the key is cut in the message: " + e.getMessage());
    await(storage.write("c", "k".repeat(255), bytes("x"), List.of()));
  }

  @Test
  void nulIsShownEscapedInTheMessage() {
    assertEquals("invalid key 'a\\x00b': must not contain NUL", failure(storage.read("c", "a\0b")).getMessage());
  }

  @Test
  void callsTheIoPoolCannotTakeAreRefusedAtOnceWithClearError() {
    storage.close();
    CocaineException e = failure(storage.read("c", "k"));
    assertEquals(new ErrorCode(12, 11), e.code());
    assertTrue(e.getMessage().contains("queue-limit 64"), e.getMessage());
  }
}
