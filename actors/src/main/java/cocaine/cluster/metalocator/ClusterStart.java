package cocaine.cluster.metalocator;

import cocaine.cache.CacheService;
import cocaine.chrono.ChronoService;
import cocaine.cluster.Announce;
import cocaine.cluster.AnnounceGate;
import cocaine.cluster.AnnounceKey;
import cocaine.cluster.AnnounceReceiver;
import cocaine.cluster.Announcer;
import cocaine.cluster.MulticastSettings;
import cocaine.cluster.zookeeper.NodeRegistry;
import cocaine.config.ClusterSettings;
import cocaine.config.Settings;
import cocaine.gateway.Gateway;
import cocaine.gateway.adhoc.AdhocGateway;
import cocaine.locator.ConnectionLimits;
import cocaine.locator.Endpoint;
import cocaine.locator.Locator;
import cocaine.locator.LocatorService;
import cocaine.locator.ServiceInfo;
import cocaine.logging.LoggingService;
import cocaine.node.NodeService;
import cocaine.rpc.service.Server;
import cocaine.rpc.transport.ConnectionSettings;
import cocaine.security.AccessToken;
import cocaine.storage.Storage;
import cocaine.storage.StorageService;
import cocaine.unicorn.UnicornService;
import cocaine.uniresis.UniresisService;
import cocaine.urlfetch.UrlfetchService;
import com.typesafe.config.Config;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * Start functions of the cluster pieces for the runtime's guardian: the balancer role (gateway,
 * metalocator, announce listener and a locator answering from the cluster) and a node's announcer.
 * Children are spawned in the caller's context; shutdown hooks are registered with
 * {@link CoordinatedShutdown}.
 */
public final class ClusterStart {
  private static final int SUBSCRIPTION_BUFFER = 256;

  /** The services every runtime serves itself: a node never takes them from a peer. */
  public static final Set<String> PLATFORM_SERVICES = Set.of(LocatorService.NAME, StorageService.NAME,
      LoggingService.NAME, NodeService.NAME, UnicornService.NAME, ChronoService.NAME, CacheService.NAME,
      UrlfetchService.NAME, UniresisService.NAME);

  private ClusterStart() {}

  /** What {@link #startCluster} set up. */
  public record Cluster(ActorRef<Metalocator.Command> metalocator, Gateway gateway, Optional<AnnounceReceiver> receiver) {
    /** For {@code Locator.UseRemote}: names a locator does not serve resolve through the cluster. */
    public MetalocatorResolver resolver(ActorSystem<?> system, Duration timeout) {
      return new MetalocatorResolver(metalocator, system.scheduler(), timeout);
    }
  }

  /** What {@link #start} set up; {@code listening} is for the start-up log line. */
  public record Started(String listening, Cluster cluster, ActorRef<Locator.Command> locator, int locatorPort) {}

  /**
   * The balancer role: {@link #startCluster} plus a {@link Locator} named {@code balancer-locator}
   * bound on {@code cocaine.network.locator-port}, whose {@code resolve} answers with the gateway's
   * virtual endpoints and whose {@code cluster} lists the linked nodes.
   *
   * @param storage where the balancer's locator reads routing groups (ZooKeeper in a cluster)
   */
  public static CompletionStage<Started> start(ActorContext<?> ctx, Settings settings, Storage storage) {
    ActorSystem<?> system = ctx.getSystem();
    Cluster cluster;
    try {
      cluster = startCluster(ctx, settings);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    Duration askTimeout = settings.node().askTimeout();
    var network = settings.network();
    ActorRef<Locator.Command> locator = ctx.spawn(
        Locator.create(settings.uuid(), settings.locator(), SUBSCRIPTION_BUFFER, storage), "balancer-locator");
    locator.tell(new Locator.UseRemote(cluster.resolver(system, askTimeout)));
    ConnectionSettings connection = ConnectionLimits.of(network);
    return Server.bind(system, network.host(), network.locatorPort(),
            new LocatorService(system, locator, settings.uuid(), askTimeout, AccessToken.from(settings.config())),
            connection)
        .thenCompose(binding -> {
          int port = binding.localAddress().getPort();
          ServiceInfo self = new ServiceInfo(LocatorService.NAME, List.of(new Endpoint(network.hostname(), port)),
              LocatorService.VERSION, LocatorService.PROTOCOL);
          return AskPattern.<Locator.Command, Done>ask(locator, r -> new Locator.Publish(self, r), askTimeout,
                  system.scheduler())
              .thenApply(done -> new Started("locator=" + port + " gateway="
                  + settings.balancer().gateway().name().toLowerCase(java.util.Locale.ROOT)
                  + " discovery=" + settings.locator().cluster().type().name().toLowerCase(java.util.Locale.ROOT),
                  cluster, locator, port));
        });
  }

  /**
   * The gateway named by {@code cocaine.balancer.gateway}, the {@code metalocator} actor and, with
   * multicast discovery, the announce listener. Use it alone to give an existing locator (role
   * {@code all}) the cluster: {@code locator.tell(new Locator.UseRemote(cluster.resolver(...)))}.
   *
   * @throws IllegalStateException when the gateway or the announce socket cannot be set up
   */
  public static Cluster startCluster(ActorContext<?> ctx, Settings settings) {
    return startCluster(ctx, settings, Gateway.open(ctx.getSystem(), settings), MetalocatorSettings.from(settings));
  }

  /**
   * A plain node's view of the other nodes ({@code cocaine.locator.remote.enabled}, the original's
   * {@code adhoc} gateway): the same discovery and links as a balancer's, an {@link AdhocGateway}
   * that hands out a publishing node's own endpoints, and never a name of {@link #PLATFORM_SERVICES}
   * from a peer. Empty when it is off or the node has no discovery ({@code cluster.type = none}).
   * Give it to the node's locator with {@code UseRemote}: local services still win.
   */
  public static Optional<Cluster> startRemote(ActorContext<?> ctx, Settings settings) {
    Config remote = settings.config().getConfig("cocaine.locator.remote");
    if (!remote.getBoolean("enabled") || settings.locator().cluster().type() == ClusterSettings.Type.NONE) {
      return Optional.empty();
    }
    Gateway table = new AdhocGateway(remote.getInt("max-services"), new SplittableRandom());
    return Optional.of(startCluster(ctx, settings, table,
        MetalocatorSettings.from(settings).reserving(PLATFORM_SERVICES)));
  }

  private static Cluster startCluster(ActorContext<?> ctx, Settings settings, Gateway gateway,
      MetalocatorSettings metalocatorSettings) {
    ActorSystem<?> system = ctx.getSystem();
    ActorRef<Metalocator.Command> metalocator = ctx.spawn(
        Metalocator.create(metalocatorSettings, gateway), "metalocator");
    Optional<AnnounceReceiver> receiver = Optional.empty();
    if (settings.locator().cluster().type() == ClusterSettings.Type.MULTICAST) {
      MulticastSettings multicast = MulticastSettings.from(settings);
      try {
        receiver = Optional.of(AnnounceReceiver.start(multicast, AnnounceGate.of(AnnounceKey.from(settings.config())),
            settings.config().getInt("cocaine.balancer.announce-queue"),
            (announce, done) -> metalocator.tell(new Metalocator.Heard(announce, done))));
      } catch (IOException e) {
        ctx.stop(metalocator);
        gateway.close();
        throw new IllegalStateException("cannot listen for announces on " + multicast.target() + ": " + e.getMessage()
            + " (check cocaine.locator.cluster.port and cocaine.locator.cluster.interface)", e);
      }
    }
    Optional<NodeRegistry> registry = Optional.empty();
    if (settings.locator().cluster().type() == ClusterSettings.Type.ZOOKEEPER) {
      registry = Optional.of(NodeRegistry.watch(settings.storage().zookeeper(), zookeeperTimeout(settings),
          settings.locator().cluster().path(), new NodeRegistry.Listener() {
            @Override
            public void registered(Announce announce) {
              metalocator.tell(new Metalocator.Heard(announce, () -> {}));
            }

            @Override
            public void gone(String uuid) {
              metalocator.tell(new Metalocator.Left(uuid));
            }
          }));
    }
    Optional<AnnounceReceiver> listening = receiver;
    Optional<NodeRegistry> watching = registry;
    CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceUnbind(), "cluster-gateway", () -> {
      listening.ifPresent(AnnounceReceiver::close);
      watching.ifPresent(ClusterStart::close);
      return gateway.close().exceptionally(failure -> Done.getInstance());
    });
    return new Cluster(metalocator, gateway, receiver);
  }

  private static Duration zookeeperTimeout(Settings settings) {
    return settings.config().getDuration("cocaine.storage.zookeeper.connection-timeout");
  }

  private static void close(NodeRegistry registry) {
    try {
      registry.close();
    } catch (java.io.IOException e) {
      // logged by the registry
    }
  }

  /**
   * A node's announcer (child {@code announcer}) when {@code cocaine.locator.cluster.type} is
   * multicast; with zookeeper its ephemeral registration (no actor: empty); nothing otherwise
   * (predefine: balancers know the nodes; none: single node).
   *
   * @param locatorEndpoints where other hosts reach this node's locator
   */
  public static Optional<ActorRef<Announcer.Command>> startAnnouncer(ActorContext<?> ctx, Settings settings,
      List<Endpoint> locatorEndpoints) {
    if (settings.locator().cluster().type() == ClusterSettings.Type.ZOOKEEPER) {
      NodeRegistry registry = NodeRegistry.register(settings.storage().zookeeper(), zookeeperTimeout(settings),
          settings.locator().cluster().path(), settings.uuid(), locatorEndpoints);
      // unregistered first thing at shutdown: balancers stop sending before the services go
      CoordinatedShutdown.get(ctx.getSystem()).addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(),
          "cluster-registration", () -> {
            close(registry);
            return CompletableFuture.completedFuture(Done.getInstance());
          });
      return Optional.empty();
    }
    if (settings.locator().cluster().type() != ClusterSettings.Type.MULTICAST) {
      return Optional.empty();
    }
    return Optional.of(ctx.spawn(Announcer.create(settings.uuid(), locatorEndpoints, MulticastSettings.from(settings),
        AnnounceKey.from(settings.config())), "announcer"));
  }
}
