package cocaine.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cocaine.node.MemoryStorage;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/** A node whose cluster storage goes away answers what it runs from out of its local copy. */
class LocalCopyTest {
  /** The cluster's storage, which can be made unreachable as ZooKeeper would be. */
  static final class Cluster implements Storage {
    final MemoryStorage data = new MemoryStorage();
    volatile boolean away;

    private <T> CompletionStage<T> or(CompletionStage<T> answer) {
      return away ? CompletableFuture.failedFuture(new CocaineException(ErrorCode.IO_ERROR,
          "storage (ZooKeeper at 127.0.0.1:1) is unreachable")) : answer;
    }

    @Override
    public CompletionStage<byte[]> read(String collection, String key) {
      return or(data.read(collection, key));
    }

    @Override
    public CompletionStage<Void> write(String collection, String key, byte[] blob, List<String> tags) {
      return or(data.write(collection, key, blob, tags));
    }

    @Override
    public CompletionStage<Void> remove(String collection, String key) {
      return or(data.remove(collection, key));
    }

    @Override
    public CompletionStage<List<String>> find(String collection, List<String> tags) {
      return or(data.find(collection, tags));
    }
  }

  final Cluster cluster = new Cluster();
  final MemoryStorage copy = new MemoryStorage();
  final LocalCopy storage = new LocalCopy(cluster, copy, Set.of("desired", "manifests"));

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static <T> T join(CompletionStage<T> stage) {
    return stage.toCompletableFuture().join();
  }

  static CocaineException failure(CompletionStage<?> stage) {
    CompletionException e = assertThrows(CompletionException.class, () -> join(stage));
    return (CocaineException) e.getCause();
  }

  @Test
  void whatWasReadIsAnsweredFromTheCopyWhileTheClusterIsAway() {
    cluster.data.write("desired", "echo", bytes("v1"), List.of("desired"));
    cluster.data.write("desired", "gone", bytes("v1"), List.of("desired"));
    cluster.data.write("manifests", "echo", bytes("m1"), List.of("app"));
    join(storage.read("desired", "echo"));
    join(storage.read("desired", "gone"));
    join(storage.read("manifests", "echo"));
    cluster.data.remove("desired", "gone");
    assertEquals(ErrorCode.NOT_FOUND, failure(storage.read("desired", "gone")).code()); // and gone from the copy

    cluster.away = true;
    assertArrayEquals(bytes("v1"), join(storage.read("desired", "echo")));
    assertArrayEquals(bytes("m1"), join(storage.read("manifests", "echo")));
    assertEquals(List.of("echo"), join(storage.find("desired", List.of("desired"))));
  }

  @Test
  void whatWasNeverReadAndOtherCollectionsFailWithTheClustersError() {
    cluster.data.write("crashlogs", "echo", bytes("c"), List.of());
    join(storage.read("crashlogs", "echo"));
    cluster.away = true;
    CocaineException never = failure(storage.read("desired", "never"));
    assertEquals(ErrorCode.IO_ERROR, never.code());
    assertEquals("storage (ZooKeeper at 127.0.0.1:1) is unreachable", never.getMessage());
    assertEquals(ErrorCode.IO_ERROR, failure(storage.read("crashlogs", "echo")).code());
    assertEquals(ErrorCode.IO_ERROR, failure(storage.write("desired", "echo", bytes("v2"), List.of())).code());
  }
}
