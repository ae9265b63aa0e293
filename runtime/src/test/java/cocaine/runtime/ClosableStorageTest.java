package cocaine.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import cocaine.config.Settings;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClosableStorageTest {
  @TempDir Path dir;

  @Test
  void filesBackendTellsWatchersOfWritesAndRemovalsThroughIt() throws Exception {
    Settings settings = Settings.load("node", ConfigFactory.parseString(
        "cocaine.paths.storage = \"" + dir.toString().replace("\\", "/") + "\""));
    try (ClosableStorage storage = ClosableStorage.open(settings)) {
      List<String> seen = new CopyOnWriteArrayList<>();
      AutoCloseable handle = storage.watch("desired", seen::add);
      storage.write("desired", "echo", new byte[] {1}, List.of()).toCompletableFuture().join();
      storage.write("other", "echo", new byte[] {1}, List.of()).toCompletableFuture().join();
      storage.remove("desired", "echo").toCompletableFuture().join();
      assertEquals(List.of("echo", "echo"), seen); // told after the write completed, so synchronously here
      handle.close();
      storage.write("desired", "late", new byte[] {1}, List.of()).toCompletableFuture().join();
      assertEquals(2, seen.size());
    }
  }
}
