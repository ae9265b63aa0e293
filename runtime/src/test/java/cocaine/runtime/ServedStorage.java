package cocaine.runtime;

import cocaine.client.Connection;
import cocaine.client.Locator;
import cocaine.client.ServiceClient;
import cocaine.client.StorageClient;
import cocaine.config.Settings;
import cocaine.rpc.service.Server;
import cocaine.rpc.transport.ConnectionSettings;
import cocaine.security.AccessToken;
import cocaine.storage.Storage;
import cocaine.storage.StorageService;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.javadsl.Tcp;

/**
 * The storage service as a node serves it (files backend in {@code dir}, with or without its watch
 * of the writes through it), on an ephemeral port, and a Java {@link StorageClient} of it, for the
 * tests of what the CLI and a deploy do with the storage.
 */
final class ServedStorage implements AutoCloseable {
  final ClosableStorage storage;
  final StorageClient client;
  /** {@code find} calls the service took, per collection: how often a follower listed it. */
  final Map<String, AtomicInteger> finds;
  private final ActorSystem<Void> system;
  private final Tcp.ServerBinding binding;

  private ServedStorage(ActorSystem<Void> system, ClosableStorage storage, Map<String, AtomicInteger> finds,
      Tcp.ServerBinding binding, StorageClient client) {
    this.system = system;
    this.finds = finds;
    this.storage = storage;
    this.binding = binding;
    this.client = client;
  }

  /** @param watching false: the service refuses {@code watch}, as one without a key watch does */
  static ServedStorage start(Path dir, boolean watching) throws Exception {
    // the runtime's application.conf exits the JVM when a system terminates: not the test's JVM
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "served-storage", ConfigFactory
        .parseString("pekko.coordinated-shutdown.exit-jvm = off").withFallback(ConfigFactory.load()));
    ClosableStorage storage = ClosableStorage.open(Settings.load("node", ConfigFactory.parseString(
        "cocaine.paths.storage = \"" + dir.toString().replace("\\", "/") + "\"")));
    Map<String, AtomicInteger> finds = new ConcurrentHashMap<>();
    StorageService service = new StorageService(new Counted(storage, finds), AccessToken.NONE,
        watching ? storage : null);
    Tcp.ServerBinding binding = Server.bind(system, "127.0.0.1", 0, service, ConnectionSettings.DEFAULTS)
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    Map<Integer, String> methods = new TreeMap<>();
    service.protocol().methods().forEach((id, m) -> methods.put(id, m.name()));
    StorageClient client = new StorageClient(ServiceClient.connect(new Locator.Resolved(service.name(), List.of(
        new Locator.Endpoint("127.0.0.1", binding.localAddress().getPort())), service.version(), methods,
        service.protocol().toValue()), Connection.Settings.DEFAULT), Duration.ofSeconds(10));
    return new ServedStorage(system, storage, finds, binding, client);
  }

  int finds(String collection) {
    return finds.computeIfAbsent(collection, c -> new AtomicInteger()).get();
  }

  /** The node's storage, counting the {@code find} calls. */
  private record Counted(Storage storage, Map<String, AtomicInteger> finds) implements Storage {
    @Override
    public CompletionStage<byte[]> read(String collection, String key) {
      return storage.read(collection, key);
    }

    @Override
    public CompletionStage<Void> write(String collection, String key, byte[] blob, List<String> tags) {
      return storage.write(collection, key, blob, tags);
    }

    @Override
    public CompletionStage<Void> remove(String collection, String key) {
      return storage.remove(collection, key);
    }

    @Override
    public CompletionStage<List<String>> find(String collection, List<String> tags) {
      finds.computeIfAbsent(collection, c -> new AtomicInteger()).incrementAndGet();
      return storage.find(collection, tags);
    }
  }

  @Override
  public void close() throws Exception {
    client.close();
    binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    storage.close();
    system.terminate();
  }
}
