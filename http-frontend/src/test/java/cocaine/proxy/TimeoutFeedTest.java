package cocaine.proxy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import cocaine.proxy.pool.LocatorClient;
import cocaine.rpc.service.Server;
import cocaine.rpc.transport.ConnectionSettings;
import cocaine.security.AccessToken;
import cocaine.storage.FilesStorage;
import cocaine.storage.StorageService;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Values;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Tcp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The proxy's timeouts follow a real storage service's {@code timeouts} collection through its watch. */
class TimeoutFeedTest {
  final ActorTestKit kit = ActorTestKit.create();
  @TempDir Path root;
  FilesStorage storage;
  final Map<String, Consumer<String>> watchers = new ConcurrentHashMap<>();
  Tcp.ServerBinding binding;
  FakeCluster cluster;
  LocatorClient locator;
  final Timeouts timeouts = new Timeouts(Duration.ofSeconds(30), Map.of());

  @BeforeEach
  void start() throws Exception {
    storage = FilesStorage.create(root, 2, 64);
    StorageService service = new StorageService(storage, AccessToken.NONE, (collection, onKey) -> {
      watchers.put(collection, onKey);
      return () -> watchers.remove(collection);
    });
    binding = Server.bind(kit.system(), "127.0.0.1", 0, service, ConnectionSettings.DEFAULTS)
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    cluster = new FakeCluster(kit.system());
    cluster.locator.route("storage", binding.localAddress());
    locator = new LocatorClient(kit.system(), "127.0.0.1", cluster.locatorPort(), ConnectionSettings.DEFAULTS,
        Duration.ofSeconds(5));
  }

  @AfterEach
  void stop() throws Exception {
    locator.close();
    cluster.close();
    binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    storage.close();
    kit.shutdownTestKit();
  }

  void store(String app, Object value) throws Exception {
    byte[] blob = value instanceof String s ? s.getBytes(StandardCharsets.UTF_8)
        : FrameEncoder.encodeValue(Values.fromJava(value));
    storage.write(TimeoutFeed.COLLECTION, app, blob, List.of(TimeoutFeed.TAG)).toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  void changed(String app) {
    await().atMost(Duration.ofSeconds(10)).until(() -> watchers.containsKey(TimeoutFeed.COLLECTION));
    watchers.get(TimeoutFeed.COLLECTION).accept(app);
  }

  @Test
  void storedTimeoutsApplyAtOnceAndFollowEveryChange() throws Exception {
    store("echo", Map.of("", 2L));
    kit.spawn(TimeoutFeed.create(locator, timeouts, Duration.ofMillis(100), Duration.ofSeconds(1)));
    await("what was stored before the proxy started").atMost(Duration.ofSeconds(10))
        .until(() -> timeouts.of("echo", "any").equals(new Timeouts.Timeout(Duration.ofSeconds(2), true)));

    store("echo", Map.of("slow", 7.5));
    changed("echo");
    await().atMost(Duration.ofSeconds(10)).until(() -> timeouts.of("echo", "slow").value()
        .equals(Duration.ofMillis(7500)));
    assertEquals(new Timeouts.Timeout(Duration.ofSeconds(30), false), timeouts.of("echo", "any"));

    // an unusable object is logged and the previous timeouts stay; later changes still apply
    store("echo", "not msgpack");
    changed("echo");
    store("web", Map.of("", 1L));
    changed("web");
    await().atMost(Duration.ofSeconds(10)).until(() -> timeouts.of("web", "x").configured());
    assertEquals(Duration.ofMillis(7500), timeouts.of("echo", "slow").value());

    storage.remove(TimeoutFeed.COLLECTION, "echo").toCompletableFuture().get(10, TimeUnit.SECONDS);
    changed("echo");
    await().atMost(Duration.ofSeconds(10)).until(() -> !timeouts.stored().containsKey("echo"));
  }
}
