package cocaine.runtime;

import cocaine.admin.AdminApi;
import cocaine.admin.ProxyMetrics;
import cocaine.cluster.desired.Convergence;
import cocaine.cluster.metalocator.ClusterStart;
import cocaine.config.ClusterSettings;
import cocaine.config.LoggingSettings;
import cocaine.config.PinnedPorts;
import cocaine.config.Role;
import cocaine.config.Settings;
import cocaine.locator.ConnectionLimits;
import cocaine.locator.Endpoint;
import cocaine.locator.Locator;
import cocaine.locator.LocatorService;
import cocaine.locator.ServiceInfo;
import cocaine.logging.AppOutput;
import cocaine.logging.ClusterFilters;
import cocaine.logging.ConsoleSink;
import cocaine.logging.FileSink;
import cocaine.logging.Logging;
import cocaine.logging.LogRing;
import cocaine.logging.LoggingService;
import cocaine.logging.LostEmits;
import cocaine.logging.Severity;
import cocaine.logging.Sink;
import cocaine.logging.search.SearchSink;
import cocaine.logging.search.SearchSinkSettings;
import cocaine.node.LocatorPublisher;
import cocaine.node.Node;
import cocaine.node.NodeService;
import cocaine.node.app.AppHost;
import cocaine.node.app.NodeConfig;
import cocaine.node.app.Publisher;
import cocaine.node.isolate.Isolate;
import cocaine.node.isolate.ProcessIsolate;
import cocaine.rpc.service.Server;
import cocaine.rpc.service.Service;
import cocaine.rpc.transport.ConnectionSettings;
import cocaine.security.AccessToken;
import cocaine.storage.StorageService;
import cocaine.unicorn.Unicorn;
import cocaine.unicorn.UnicornService;
import cocaine.unicorn.UnicornSettings;
import cocaine.unicorn.Znodes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Starts the node role: storage, logging, the node with its apps and their services, all published
 * in the locator (unicorn too when enabled), and last the locator on its well-known port: a node is
 * whole before it is seen.
 */
final class NodeRole {
  private static final int SUBSCRIPTION_BUFFER = 256;
  private static final int LOG_MAILBOX = 8192;
  private static final int LOG_FILE_QUEUE = 8192;

  private NodeRole() {}

  /**
   * Storage, logging, the locator, the node with its apps and the storage, logging and node
   * services, all published in the locator; only then the locator's port opens, so the first
   * resolve a client makes after connecting finds them ({@link Guardian.LocatorBound} goes on).
   */
  static void start(ActorContext<Guardian.Command> ctx, Settings settings) {
    ActorSystem<?> system = ctx.getSystem();
    var network = settings.network();
    Duration askTimeout = settings.node().askTimeout();
    ConnectionSettings connection = ConnectionLimits.of(network);
    ClosableStorage storage = ClosableStorage.open(settings);
    ActorRef<Locator.Command> locator = ctx.spawn(Behaviors.supervise(
        Locator.create(settings.uuid(), settings.locator(), SUBSCRIPTION_BUFFER, storage))
        .onFailure(SupervisorStrategy.resume()), "locator");
    Optional<LogRing> ring = ring(settings.logging().ring());
    ActorRef<Logging.Command> logging = startLogging(ctx, settings, ring);
    Publisher publisher = new LocatorPublisher(locator, system.scheduler(), askTimeout);
    int port = locatorPort(network.locatorPort());
    List<Endpoint> locatorEndpoints = List.of(new Endpoint(network.hostname(), port));
    NodeConfig nodeConfig = NodeConfig.from(settings, locatorEndpoints);
    ExecutorService outputReaders = ProcessIsolate.outputReaders(nodeConfig.maxWorkers());
    if (settings.plays(Role.BALANCER) && settings.locator().cluster().type() != ClusterSettings.Type.NONE) {
      // Role all in a cluster: names this node does not serve resolve through the cluster's gateway.
      ClusterStart.Cluster cluster = ClusterStart.startCluster(ctx, settings);
      locator.tell(new Locator.UseRemote(cluster.resolver(system, askTimeout)));
    }
    storage.watchGroups(group -> locator.tell(new Locator.Refresh(List.of(group), system.ignoreRef())));
    // workers' stdout/stderr become records of app/<name> when the ring or a search engine keeps the logs
    Isolate.OutputListener output = ring.isPresent()
        || SearchSinkSettings.from(settings).filter(SearchSinkSettings::workerOutput).isPresent()
        ? new AppOutput(logging)::line : Isolate.OutputListener.NONE;
    // isolation is the operator's policy (cocaine.isolate, in the system's config): AppHost builds the isolates
    AppHost host = AppHost.processes(system, storage, publisher, nodeConfig, outputReaders, output);
    // the runlist's and the desired state's apps are in the node's table (spooling) before the port opens
    ActorRef<Node.Command> node = ctx.spawn(Node.create(host), "node");
    String nodeName = settings.node().name().isEmpty() ? network.hostname() : settings.node().name();
    // a shutting-down node refuses the starts convergence may still ask for
    ctx.spawn(Behaviors.supervise(
        // a start or rollover answers after its health gate
        Convergence.create(storage, storage, node, nodeName, askTimeout.plus(settings.node().healthDeadline()),
            settings.node().reportEvery(), settings.node().startsAtOnce()))
        .onFailure(SupervisorStrategy.restart()), "convergence");
    CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceStop(), "stop-apps",
        () -> AskPattern.<Node.Command, Done>ask(node, Node.Shutdown::new, Duration.ofSeconds(30), system.scheduler())
            .whenComplete((done, failure) -> {
              outputReaders.shutdownNow();
              storage.close();
            }));
    AccessToken access = AccessToken.from(settings.config());
    ClusterFilters clusterFilters = new ClusterFilters(storage, logging, system);
    clusterFilters.follow(storage);
    List<Service> services = new ArrayList<>(List.of(
        new StorageService(storage, access, storage),
        new LoggingService(system, logging, askTimeout, access, ring,
            system.dispatchers().lookup(DispatcherSelector.blocking()), settings.logging().ring().followPoll(),
            Optional.of(clusterFilters)),
        new NodeService(node, host.running(), system.scheduler(), askTimeout, access)));
    services.addAll(SmallServices.start(ctx, settings, host.running(), askTimeout));
    unicorn(ctx, settings, access).ifPresent(services::add);
    PinnedPorts pinned = PinnedPorts.from(settings.config());
    List<CompletableFuture<String>> published = new ArrayList<>();
    published.add(publisher.publish(new ServiceInfo(LocatorService.NAME, locatorEndpoints, LocatorService.VERSION,
        LocatorService.PROTOCOL)).thenApply(d -> "locator=" + port).toCompletableFuture());
    for (Service service : services) {
      published.add(Server.bind(system, network.host(), pinned.of(service.name()), service, connection)
          .thenCompose(b -> publish(publisher, service, network.hostname(), b.localAddress()))
          .toCompletableFuture());
    }
    CompletionStage<String> started = CompletableFuture.allOf(published.toArray(CompletableFuture[]::new))
        .thenApply(v -> String.join(" ", published.stream().map(CompletableFuture::join).toList()))
        .thenCompose(listening -> Server.bind(system, network.host(), port,
                new LocatorService(system, locator, settings.uuid(), askTimeout, access), connection)
            .thenApply(binding -> listening));
    ctx.pipeToSelf(started, (listening, failure) -> failure == null
        ? new Guardian.LocatorBound(settings, locatorEndpoints, listening, locator)
        : new Guardian.Failed("node", failure));
  }

  /**
   * The locator listens: the node announces itself to the cluster and is ready; a plain node with
   * {@code cocaine.locator.remote.enabled} now follows the other nodes it discovers, so their apps
   * resolve here too (its links open only once it can be reached itself).
   */
  static Guardian.Started announce(ActorContext<Guardian.Command> ctx, Settings settings, List<Endpoint> endpoints,
      String listening, ActorRef<Locator.Command> locator) {
    ClusterStart.startAnnouncer(ctx, settings, endpoints);
    if (!settings.plays(Role.BALANCER)) {
      try {
        ClusterStart.startRemote(ctx, settings).ifPresent(cluster -> locator.tell(
            new Locator.UseRemote(cluster.resolver(ctx.getSystem(), settings.node().askTimeout()))));
      } catch (IllegalStateException e) {
        // the node serves its own apps; only the other nodes' stay unknown here
        ctx.getLog().error("remote resolve is off: {}", e.getMessage());
      }
    }
    return new Guardian.Started("node", listening);
  }

  /** The {@code unicorn} service when {@code cocaine.services.unicorn.enabled}; its ZooKeeper session ends at shutdown. */
  private static Optional<Service> unicorn(ActorContext<Guardian.Command> ctx, Settings settings, AccessToken access) {
    UnicornSettings us = UnicornSettings.from(settings.config());
    if (!us.enabled()) {
      return Optional.empty();
    }
    Znodes znodes = Znodes.open(us);
    ActorRef<Unicorn.Command> unicorn = ctx.spawn(Unicorn.create(znodes, us.subscriptionBuffer()), "unicorn");
    CoordinatedShutdown.get(ctx.getSystem()).addTask(CoordinatedShutdown.PhaseServiceStop(), "close-unicorn", () -> {
      znodes.close();
      return CompletableFuture.completedFuture(Done.getInstance());
    });
    return Optional.of(new UnicornService(unicorn, znodes, access, us.subscriptionBuffer()));
  }

  /**
   * The configured locator port; for 0 (tests, a laptop) a port the OS has free now, since the
   * workers' settings name the port before it is bound.
   */
  private static int locatorPort(int configured) {
    if (configured != 0) {
      return configured;
    }
    try (ServerSocket probe = new ServerSocket(0)) {
      return probe.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port for the locator: " + e.getMessage(), e);
    }
  }

  private static ActorRef<Logging.Command> startLogging(ActorContext<Guardian.Command> ctx, Settings settings,
      Optional<LogRing> ring) {
    ActorSystem<?> system = ctx.getSystem();
    List<Sink> sinks = sinks(settings.logging());
    List<Sink> runtimeLog = new ArrayList<>();
    ring.ifPresent(r -> {
      FileSink sink = FileSink.ring(r, settings.logging().ring().queueLimit(), Duration.ofSeconds(60));
      sinks.add(sink);
      runtimeLog.add(sink);
    });
    SearchSinkSettings.from(settings).ifPresent(search -> {
      SearchSink sink = SearchSink.start(search);
      sinks.add(sink);
      if (settings.config().getBoolean(SearchSinkSettings.SECTION + ".runtime-log")) {
        runtimeLog.add(sink);
      }
    });
    if (!runtimeLog.isEmpty()) {
      RuntimeLog attached = RuntimeLog.attach(runtimeLog);
      // detached before the logging actor stops and closes the sinks
      CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
          "detach-runtime-log", () -> {
            attached.detach();
            return CompletableFuture.completedFuture(Done.getInstance());
          });
    }
    ActorRef<Logging.Command> logging = ctx.spawn(
        Logging.create(Severity.valueOf(settings.logging().verbosity().name()), sinks),
        "logging", Logging.mailbox(LOG_MAILBOX));
    ctx.spawn(LostEmits.create(Duration.ofSeconds(10)), "lost-emits");
    return logging;
  }

  /**
   * A node without the proxy role serves its spans (and the dashboard) on the admin port, for the
   * proxies' dashboards that list it in {@code cocaine.tracing.dashboard.peers}. A port that cannot
   * be bound is logged and the node goes on: it is only a view.
   */
  static void startAdmin(ActorSystem<?> system, Settings settings) {
    AdminApi.start(system, settings, ProxyMetrics.create()).whenComplete((binding, failure) -> {
      if (failure != null) {
        org.slf4j.LoggerFactory.getLogger(NodeRole.class).warn("this node's spans are not served: admin port {}:{} "
            + "cannot be bound ({}); set cocaine.admin.port", settings.admin().host(), settings.admin().port(),
            failure.getMessage());
      }
    });
  }

  private static CompletionStage<String> publish(Publisher publisher, Service service, String hostname,
      InetSocketAddress address) {
    return publisher.publish(new ServiceInfo(service.name(), List.of(new Endpoint(hostname, address.getPort())),
        service.version(), service.protocol())).thenApply(d -> service.name() + "=" + address.getPort());
  }

  /** The node's log ring; a ring that cannot be opened is logged and the node goes on without it. */
  private static Optional<LogRing> ring(LoggingSettings.Ring settings) {
    if (!settings.enabled()) {
      return Optional.empty();
    }
    try {
      return Optional.of(LogRing.open(settings.path(), settings.segmentBytes(), settings.segments()));
    } catch (IOException | RuntimeException e) {
      org.slf4j.LoggerFactory.getLogger(NodeRole.class).warn("logging: no log ring, `cocaine logs` needs a search engine: "
          + "cannot open {}: {}", settings.path(), e.getMessage());
      return Optional.empty();
    }
  }

  private static List<Sink> sinks(LoggingSettings logging) {
    List<Sink> sinks = new ArrayList<>();
    for (LoggingSettings.Sink sink : logging.sinks()) {
      switch (sink) {
        case CONSOLE -> sinks.add(ConsoleSink.stdout());
        case FILE -> {
          try {
            sinks.add(FileSink.open(logging.filePath(), LOG_FILE_QUEUE, Duration.ofSeconds(60)));
          } catch (IOException e) {
            throw new UncheckedIOException("cannot open the log file " + logging.filePath() + ": " + e.getMessage(), e);
          }
        }
      }
    }
    return sinks;
  }
}
