package cocaine.runtime;

import cocaine.admin.AdminApi;
import cocaine.admin.ProxyMetrics;
import cocaine.cluster.desired.Convergence;
import cocaine.cluster.metalocator.ClusterStart;
import cocaine.config.ClusterSettings;
import cocaine.config.LoggingSettings;
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
import cocaine.node.app.NodeIsolates;
import cocaine.node.NodeService;
import cocaine.node.app.AppHost;
import cocaine.node.app.NodeConfig;
import cocaine.node.app.Publisher;
import cocaine.node.app.RunningApps;
import cocaine.node.isolate.Isolate;
import cocaine.node.isolate.ProcessIsolate;
import cocaine.rpc.service.Server;
import cocaine.rpc.service.Service;
import cocaine.rpc.transport.ConnectionSettings;
import cocaine.security.AccessToken;
import cocaine.storage.StorageService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
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
import org.apache.pekko.stream.javadsl.Tcp;

/**
 * Starts the node role: storage, logging and the locator on its well-known port, then the node
 * service with its apps; every service is published in the locator under its name.
 */
final class NodeRole {
  private static final int SUBSCRIPTION_BUFFER = 256;
  private static final int LOG_MAILBOX = 8192;
  private static final int LOG_FILE_QUEUE = 8192;

  private NodeRole() {}

  /** What the first phase started; the rest needs the locator's bound port. */
  record Pending(Settings settings, ClosableStorage storage, ActorRef<Locator.Command> locator,
      ActorRef<Logging.Command> logging, Optional<LogRing> ring, Publisher publisher, ConnectionSettings connection) {}

  /** Phase one: storage, logging and the locator on its port; phase two runs on {@link Guardian.LocatorBound}. */
  static void start(ActorContext<Guardian.Command> ctx, Settings settings) {
    ActorSystem<?> system = ctx.getSystem();
    var network = settings.network();
    Duration askTimeout = settings.node().askTimeout();
    ConnectionSettings connection = ConnectionLimits.of(network);
    ClosableStorage storage = ClosableStorage.open(settings);
    ActorRef<Locator.Command> locator = ctx.spawn(Behaviors.supervise(
        Locator.create(settings.uuid(), settings.locator(), SUBSCRIPTION_BUFFER, storage))
        .onFailure(SupervisorStrategy.resume()), "locator");
    List<Sink> sinks = sinks(settings.logging());
    List<Sink> runtimeLog = new ArrayList<>();
    Optional<LogRing> ring = ring(settings.logging().ring());
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
    Publisher publisher = new LocatorPublisher(locator, system.scheduler(), askTimeout);
    Pending pending = new Pending(settings, storage, locator, logging, ring, publisher, connection);
    ctx.pipeToSelf(Server.bind(system, network.host(), network.locatorPort(),
            new LocatorService(system, locator, settings.uuid(), askTimeout, AccessToken.from(settings.config())),
            connection),
        (binding, failure) -> failure == null ? new Guardian.LocatorBound(pending, binding)
            : new Guardian.Failed("node", failure));
  }

  /** Phase two: the node with its apps, then storage, logging and node services, all published. */
  static void continueWith(ActorContext<Guardian.Command> ctx, Pending p, Tcp.ServerBinding locatorBinding) {
    ActorSystem<?> system = ctx.getSystem();
    Settings settings = p.settings();
    var network = settings.network();
    Duration askTimeout = settings.node().askTimeout();
    int port = locatorBinding.localAddress().getPort();
    List<Endpoint> locatorEndpoints = List.of(new Endpoint(network.hostname(), port));
    NodeConfig nodeConfig = NodeConfig.from(settings, locatorEndpoints);
    ExecutorService outputReaders = ProcessIsolate.outputReaders(nodeConfig.maxWorkers());
    ClusterStart.startAnnouncer(ctx, settings, locatorEndpoints);
    if (settings.plays(Role.BALANCER) && settings.locator().cluster().type() != ClusterSettings.Type.NONE) {
      // Role all in a cluster: names this node does not serve resolve through the cluster's gateway.
      ClusterStart.Cluster cluster = ClusterStart.startCluster(ctx, settings);
      p.locator().tell(new Locator.UseRemote(cluster.resolver(system, askTimeout)));
    }
    p.storage().watchGroups(group -> p.locator().tell(new Locator.Refresh(List.of(group), system.ignoreRef())));
    // workers' stdout/stderr become records of app/<name> when the ring or a search engine keeps the logs
    Isolate.OutputListener output = p.ring().isPresent()
        || SearchSinkSettings.from(settings).filter(SearchSinkSettings::workerOutput).isPresent()
        ? new AppOutput(p.logging())::line : Isolate.OutputListener.NONE;
    // isolation is the operator's policy (cocaine.isolate), so the node's isolates come from the config
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    AppHost host = new AppHost(p.storage(), p.publisher(),
        NodeIsolates.create(settings.config(), nodeConfig, blocking, outputReaders, output), nodeConfig, blocking,
        new RunningApps());
    ActorRef<Node.Command> node = ctx.spawn(Node.create(host), "node");
    String nodeName = settings.node().name().isEmpty() ? network.hostname() : settings.node().name();
    // a shutting-down node refuses the starts convergence may still ask for
    ctx.spawn(Behaviors.supervise(
        Convergence.create(p.storage(), p.storage(), node, nodeName, askTimeout))
        .onFailure(SupervisorStrategy.restart()), "convergence");
    CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceStop(), "stop-apps",
        () -> AskPattern.<Node.Command, Done>ask(node, Node.Shutdown::new, Duration.ofSeconds(30), system.scheduler())
            .whenComplete((done, failure) -> {
              outputReaders.shutdownNow();
              p.storage().close();
            }));
    AccessToken access = AccessToken.from(settings.config());
    ClusterFilters clusterFilters = new ClusterFilters(p.storage(), p.logging(), system);
    clusterFilters.follow(p.storage());
    List<Service> services = new ArrayList<>(List.of(
        new StorageService(p.storage(), access),
        new LoggingService(system, p.logging(), askTimeout, access, p.ring(), blocking,
            settings.logging().ring().followPoll(), Optional.of(clusterFilters)),
        new NodeService(node, host.running(), system.scheduler(), askTimeout, access)));
    services.addAll(SmallServices.start(ctx, settings, host.running(), askTimeout));
    List<CompletableFuture<String>> published = new ArrayList<>();
    published.add(p.publisher().publish(new ServiceInfo(LocatorService.NAME, locatorEndpoints, LocatorService.VERSION,
        LocatorService.PROTOCOL)).thenApply(d -> "locator=" + port).toCompletableFuture());
    for (Service service : services) {
      published.add(Server.bind(system, network.host(), 0, service, p.connection())
          .thenCompose(b -> publish(p.publisher(), service, network.hostname(), b.localAddress()))
          .toCompletableFuture());
    }
    CompletableFuture<String> started = CompletableFuture.allOf(published.toArray(CompletableFuture[]::new))
        .thenApply(v -> String.join(" ", published.stream().map(CompletableFuture::join).toList()));
    ctx.pipeToSelf(started, (listening, failure) -> failure == null
        ? new Guardian.Started("node", listening) : new Guardian.Failed("node", failure));
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
