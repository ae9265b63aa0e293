package cocaine.runtime;

import cocaine.client.Connection;
import cocaine.client.Locator;
import cocaine.client.ServiceClient;
import cocaine.client.StorageClient;
import cocaine.config.Settings;
import cocaine.rpc.service.Server;
import cocaine.rpc.transport.ConnectionSettings;
import cocaine.security.AccessToken;
import cocaine.storage.StorageService;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
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
  private final ActorSystem<Void> system;
  private final Tcp.ServerBinding binding;

  private ServedStorage(ActorSystem<Void> system, ClosableStorage storage, Tcp.ServerBinding binding,
      StorageClient client) {
    this.system = system;
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
    StorageService service = new StorageService(storage, AccessToken.NONE, watching ? storage : null);
    Tcp.ServerBinding binding = Server.bind(system, "127.0.0.1", 0, service, ConnectionSettings.DEFAULTS)
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    Map<Integer, String> methods = new TreeMap<>();
    service.protocol().methods().forEach((id, m) -> methods.put(id, m.name()));
    StorageClient client = new StorageClient(ServiceClient.connect(new Locator.Resolved(service.name(), List.of(
        new Locator.Endpoint("127.0.0.1", binding.localAddress().getPort())), service.version(), methods,
        service.protocol().toValue()), Connection.Settings.DEFAULT), Duration.ofSeconds(10));
    return new ServedStorage(system, storage, binding, client);
  }

  @Override
  public void close() throws Exception {
    client.close();
    binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    storage.close();
    system.terminate();
  }
}
