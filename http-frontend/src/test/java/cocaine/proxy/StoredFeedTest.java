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

/**
 * The proxy's timeouts and trace sampling follow a real storage service's {@code timeouts} and
 * {@code tracing} collections through its watch.
 */
class StoredFeedTest {
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
    store(StoredFeed.TIMEOUTS, app, value);
  }

  void store(String collection, String app, Object value) throws Exception {
    byte[] blob = value instanceof String s ? s.getBytes(StandardCharsets.UTF_8)
        : FrameEncoder.encodeValue(Values.fromJava(value));
    storage.write(collection, app, blob, List.of(collection)).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  void changed(String app) {
    changed(StoredFeed.TIMEOUTS, app);
  }

  void changed(String collection, String app) {
    await().atMost(Duration.ofSeconds(10)).until(() -> watchers.containsKey(collection));
    watchers.get(collection).accept(app);
  }

  @Test
  void storedSamplingWinsOverTheConfigAndARemovedKeyFallsBack() throws Exception {
    TraceSampling sampling = new TraceSampling(ProxyConfig.from(ProxyConfigTest.settings(
        "trace-sampling = [{ app = echo, percent = 5 }, { app = \"*\", percent = 1 }]")));
    store(StoredFeed.TRACING, "echo", 100L);
    kit.spawn(StoredFeed.create(locator, sampling, Duration.ofMillis(100), Duration.ofSeconds(1)));
    await("what was stored before the proxy started").atMost(Duration.ofSeconds(10))
        .until(() -> sampling.share("echo") == 1.0);
    assertEquals(0.01, sampling.share("web"), 1e-9);

    store(StoredFeed.TRACING, "web", 0.5);
    changed(StoredFeed.TRACING, "web");
    await().atMost(Duration.ofSeconds(10)).until(() -> sampling.share("web") == 0.005);

    // a percent out of range is logged and the previous one stays
    store(StoredFeed.TRACING, "echo", 250L);
    changed(StoredFeed.TRACING, "echo");
    store(StoredFeed.TRACING, "other", 0L);
    changed(StoredFeed.TRACING, "other");
    await().atMost(Duration.ofSeconds(10)).until(() -> sampling.stored().containsKey("other"));
    assertEquals(0.0, sampling.share("other"));
    assertEquals(1.0, sampling.share("echo"));

    storage.remove(StoredFeed.TRACING, "echo").toCompletableFuture().get(10, TimeUnit.SECONDS);
    changed(StoredFeed.TRACING, "echo");
    await().atMost(Duration.ofSeconds(10)).until(() -> sampling.share("echo") == 0.05);
  }

  @Test
  void storedTimeoutsApplyAtOnceAndFollowEveryChange() throws Exception {
    store("echo", Map.of("", 2L));
    kit.spawn(StoredFeed.create(locator, timeouts, Duration.ofMillis(100), Duration.ofSeconds(1)));
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

    storage.remove(StoredFeed.TIMEOUTS, "echo").toCompletableFuture().get(10, TimeUnit.SECONDS);
    changed("echo");
    await().atMost(Duration.ofSeconds(10)).until(() -> !timeouts.stored().containsKey("echo"));
  }
}
