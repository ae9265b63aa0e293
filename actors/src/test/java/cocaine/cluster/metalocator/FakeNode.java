package cocaine.cluster.metalocator;

import cocaine.config.ClusterSettings;
import cocaine.config.LocatorSettings;
import cocaine.locator.Endpoint;
import cocaine.locator.Locator;
import cocaine.locator.LocatorService;
import cocaine.locator.ServiceInfo;
import cocaine.rpc.service.Server;
import cocaine.rpc.transport.ConnectionSettings;
import cocaine.storage.FilesStorage;
import cocaine.wire.Graph;
import cocaine.wire.Protocol;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.stream.javadsl.Tcp;

/** A node as the metalocator sees it: a real Locator actor served by a real LocatorService on loopback. */
final class FakeNode implements AutoCloseable {
  static final Protocol APP = Protocol.builder()
      .method(0, "enqueue", Graph.STREAMING, Graph.STREAMING)
      .method(1, "info", Graph.TERMINAL, Graph.PRIMITIVE)
      .build();

  final String uuid;
  final ActorTestKit kit;
  final FilesStorage storage;
  final ActorRef<Locator.Command> locator;
  final Tcp.ServerBinding binding;

  private FakeNode(String uuid, ActorTestKit kit, FilesStorage storage, ActorRef<Locator.Command> locator,
      Tcp.ServerBinding binding) {
    this.uuid = uuid;
    this.kit = kit;
    this.storage = storage;
    this.locator = locator;
    this.binding = binding;
  }

  /** @param port 0 for an ephemeral port */
  static FakeNode start(ActorTestKit kit, String uuid, Map<String, Object> extra, Path dir, int port) throws Exception {
    FilesStorage storage = FilesStorage.create(dir, 1, 16);
    ClusterSettings cluster = new ClusterSettings(ClusterSettings.Type.MULTICAST, "239.0.100.53", 10053,
        Duration.ofSeconds(5), false, 1, Map.of(), "/cocaine-nodes");
    ActorRef<Locator.Command> locator = kit.spawn(Locator.create(uuid, new LocatorSettings(cluster, List.of(), extra), 16,
        storage));
    LocatorService service = new LocatorService(kit.system(), locator, uuid, Duration.ofSeconds(1));
    Tcp.ServerBinding binding = Server.bind(kit.system(), "127.0.0.1", port, service, ConnectionSettings.DEFAULTS)
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    FakeNode node = new FakeNode(uuid, kit, storage, locator, binding);
    node.publish(LocatorService.NAME, binding.localAddress().getPort(), LocatorService.PROTOCOL);
    return node;
  }

  Endpoint endpoint() {
    return new Endpoint("127.0.0.1", binding.localAddress().getPort());
  }

  void publish(String name, int port) {
    publish(name, port, APP);
  }

  void publish(String name, int port, Protocol protocol) {
    ServiceInfo info = new ServiceInfo(name, List.of(new Endpoint("127.0.0.1", port)), 1, protocol);
    AskPattern.<Locator.Command, Done>ask(locator, r -> new Locator.Publish(info, r), Duration.ofSeconds(5),
        kit.system().scheduler()).toCompletableFuture().join();
  }

  void unpublish(String name) {
    AskPattern.<Locator.Command, Done>ask(locator, r -> new Locator.Unpublish(name, r), Duration.ofSeconds(5),
        kit.system().scheduler()).toCompletableFuture().join();
  }

  /** Shuts the node down as a runtime does: its locator stops (connect streams end with close), the port closes. */
  @Override
  public void close() {
    kit.stop(locator);
    binding.unbind().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    storage.close();
  }
}
