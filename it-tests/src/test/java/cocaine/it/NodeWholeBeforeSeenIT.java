package cocaine.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.client.Locator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node is whole before it is seen (issue 16): its locator's port opens only once its own
 * services are published, so a client that connects the moment the port accepts resolves storage,
 * logging and node at its first try (it used to get {@code [10, 1]} for ~0.7 s).
 */
class NodeWholeBeforeSeenIT {
  @TempDir
  Path dir;

  @Test
  void firstResolveAfterThePortOpensFindsStorageLoggingAndNode() throws Exception {
    try (RuntimeProcess runtime = RuntimeProcess.start(dir.resolve("all"), "all", "", RuntimeProcess.NOT_AWAITED)) {
      Locator locator = await("the locator's port accepts").atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(5)).ignoreExceptions()
          .until(() -> {
            assertTrue(runtime.process().isAlive(), "the runtime exited:\n" + runtime.output());
            return Locator.connect(runtime.host(), runtime.locatorPort());
          }, l -> l != null);
      try (locator) {
        for (String service : List.of("storage", "logging", "node")) {
          Locator.Resolved r = locator.resolve(service); // the first try, no retry
          assertFalse(r.endpoints().isEmpty(), service + " resolved without endpoints");
        }
      }
    }
  }
}
