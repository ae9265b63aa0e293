package cocaine.proxy.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.proxy.FakeCluster;
import cocaine.rpc.service.Server;
import cocaine.rpc.transport.ConnectionSettings;
import cocaine.security.AccessToken;
import cocaine.storage.FilesStorage;
import cocaine.storage.StorageService;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Values;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Tcp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The proxy's reads of manifests from a real storage service with access control on. */
class LocatorClientTest {
  static final String TOKEN = "proxy-t0ken";
  final ActorTestKit kit = ActorTestKit.create();
  @TempDir Path root;
  FilesStorage storage;
  Tcp.ServerBinding binding;
  FakeCluster cluster;

  @BeforeEach
  void start() throws Exception {
    storage = FilesStorage.create(root, 2, 64);
    storage.write("manifests", "streamer", FrameEncoder.encodeValue(Values.fromJava(Map.of("slave", "s",
        "streaming", true))), List.of("app")).toCompletableFuture().get(5, TimeUnit.SECONDS);
    binding = Server.bind(kit.system(), "127.0.0.1", 0, new StorageService(storage, AccessToken.of(TOKEN, Set.of())),
        ConnectionSettings.DEFAULTS).toCompletableFuture().get(10, TimeUnit.SECONDS);
    cluster = new FakeCluster(kit.system());
    cluster.locator.route("storage", binding.localAddress());
  }

  @AfterEach
  void stop() throws Exception {
    cluster.close();
    binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    storage.close();
    kit.shutdownTestKit();
  }

  LocatorClient client(List<cocaine.wire.Header> storageHeaders) {
    return new LocatorClient(kit.system(), "127.0.0.1", cluster.locatorPort(), ConnectionSettings.DEFAULTS,
        Duration.ofSeconds(5), storageHeaders);
  }

  @Test
  void theProxysTokenGoesWithItsReadOfAManifest() throws Exception {
    LocatorClient client = client(AccessToken.of(TOKEN, Set.of()).authorization());
    Optional<Map<String, Object>> manifest = client.manifest("streamer").toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(Boolean.TRUE, manifest.orElseThrow().get("streaming"));
    assertEquals(Optional.empty(), client.manifest("nobody").toCompletableFuture().get(10, TimeUnit.SECONDS));
    client.close();
  }

  @Test
  void withoutTheTokenTheReadIsRefused() {
    LocatorClient client = client(AccessToken.NONE.authorization());
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> client.manifest("streamer").toCompletableFuture().get(10, TimeUnit.SECONDS));
    assertEquals(ErrorCode.TOKEN_NOT_FOUND, assertInstanceOf(CocaineException.class, LocatorClient.unwrap(e)).code());
    client.close();
  }

  @Test
  void aLocatorThatCannotBeReachedIsPassedForTheNextAndNoneLeftFails() throws Exception {
    int dead;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      dead = s.getLocalPort();
    }
    LocatorClient client = LocatorClient.of(kit.system(), List.of("127.0.0.1:" + dead,
        "127.0.0.1:" + cluster.locatorPort()), ConnectionSettings.DEFAULTS, Duration.ofSeconds(5), List.of());
    client.reachable().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertTrue(client.address().startsWith("127.0.0.1:" + cluster.locatorPort() + " "), client.address());
    client.close();
    LocatorClient none = LocatorClient.of(kit.system(), List.of("127.0.0.1:" + dead), ConnectionSettings.DEFAULTS,
        Duration.ofSeconds(5), List.of());
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> none.reachable().toCompletableFuture().get(10, TimeUnit.SECONDS));
    assertEquals(ErrorCode.NOT_CONNECTED, assertInstanceOf(CocaineException.class, LocatorClient.unwrap(e)).code());
    none.close();
  }
}
