package cocaine.gateway.userspace;

import cocaine.config.Settings;
import cocaine.gateway.Gateway;
import cocaine.gateway.VirtualPorts;
import cocaine.locator.Endpoint;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;

/**
 * The portable gateway: a TCP listener per app on {@code balancer.listen-host}, splicing each
 * client connection to the real with the fewest open connections. This actor only keeps the table
 * (app -> listener and reals) and publishes it to the {@link Relay} thread, which accepts, connects
 * and moves the bytes with non-blocking sockets: no message to the actor per connection. A real that
 * refuses a connection is skipped for {@code down-time} and the next one is tried; the metalocator
 * removes the reals of nodes that leave (their open connections run on until they end).
 */
public final class UserspaceGateway {
  private static final int BACKLOG = 128;
  private static final ErrorCode NOT_AVAILABLE = ErrorCode.SERVICE_NOT_AVAILABLE;
  private static final AtomicLong INSTANCES = new AtomicLong();

  public sealed interface Command {}

  public record AddService(String name, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  public record RemoveService(String name, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  public record AddReal(String name, String node, List<Endpoint> endpoints, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  public record RemoveReal(String name, String node, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  public record Resolve(String name, ActorRef<StatusReply<List<Endpoint>>> replyTo) implements Command {}

  /** Closes every listener and stops; relayed connections run on until either side ends them. */
  public record Close(ActorRef<StatusReply<Done>> replyTo) implements Command {}

  private final ActorContext<Command> ctx;
  private final UserspaceSettings settings;
  private final VirtualPorts ports;
  private final Relay relay;

  private UserspaceGateway(ActorContext<Command> ctx, UserspaceSettings settings, Relay relay) {
    this.ctx = ctx;
    this.settings = settings;
    this.ports = new VirtualPorts(settings.ports());
    this.relay = relay;
  }

  public static Behavior<Command> create(UserspaceSettings settings) {
    return Behaviors.setup(ctx -> {
      ctx.setLoggerName(UserspaceGateway.class);
      Relay relay;
      try {
        relay = new Relay(settings);
      } catch (IOException e) {
        throw new UncheckedIOException("gateway: cannot open a selector for the relay: " + e.getMessage(), e);
      }
      return new UserspaceGateway(ctx, settings, relay).serving(Map.of());
    });
  }

  /** The gateway as configured, as a system actor behind the {@link Gateway} contract. */
  public static Gateway start(ActorSystem<?> system, Settings settings) {
    return start(system, UserspaceSettings.from(settings));
  }

  public static Gateway start(ActorSystem<?> system, UserspaceSettings settings) {
    ActorRef<Command> ref = system.systemActorOf(create(settings), "gateway-userspace-" + INSTANCES.incrementAndGet(),
        Props.empty());
    return new Facade(system, ref, settings.connectTimeout().plusSeconds(5));
  }

  /** @param services app -> its listener and reals */
  private Behavior<Command> serving(Map<String, VirtualService> services) {
    return Behaviors.receive(Command.class)
        .onMessage(AddService.class, m -> {
          try {
            Map<String, VirtualService> next = withService(services, m.name());
            m.replyTo().tell(StatusReply.ack());
            return serving(next);
          } catch (CocaineException e) {
            m.replyTo().tell(StatusReply.error(e));
            return Behaviors.same();
          }
        })
        .onMessage(RemoveService.class, m -> serving(onRemoveService(services, m)))
        .onMessage(AddReal.class, m -> serving(onAddReal(services, m)))
        .onMessage(RemoveReal.class, m -> {
          onRemoveReal(services, m);
          return Behaviors.same();
        })
        .onMessage(Resolve.class, m -> {
          onResolve(services, m);
          return Behaviors.same();
        })
        .onMessage(Close.class, m -> {
          ctx.getLog().info("gateway: closed; relayed connections run on until they end");
          m.replyTo().tell(StatusReply.ack());
          return Behaviors.stopped();
        })
        .onSignal(PostStop.class, signal -> {
          relay.close();
          return Behaviors.same();
        })
        .build();
  }

  /** The services with {@code name}'s listening; throws when it cannot listen (logged). */
  private Map<String, VirtualService> withService(Map<String, VirtualService> services, String name) {
    if (services.containsKey(name)) {
      return services;
    }
    int port = -1;
    ServerSocketChannel listener = null;
    try {
      port = ports.take();
      listener = ServerSocketChannel.open();
      listener.bind(new InetSocketAddress(settings.listenHost(), port), BACKLOG);
      listener.configureBlocking(false);
      port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
    } catch (IOException | RuntimeException e) {
      if (listener != null) {
        try {
          listener.close();
        } catch (IOException ignored) {
          // it did not listen
        }
      }
      if (port > 0) {
        ports.release(port);
      }
      CocaineException failure = e instanceof CocaineException c ? c : new CocaineException(NOT_AVAILABLE,
          "gateway cannot listen for app '" + name + "' on " + settings.listenHost() + ": " + e.getMessage());
      ctx.getLog().error("gateway: cannot create the virtual service of '{}': {}", name, failure.getMessage());
      throw failure;
    }
    VirtualService service = new VirtualService(name, listener, port);
    relay.listen(service);
    ctx.getLog().info("gateway: app '{}' listens on {}:{} (advertised as {}:{})", name, settings.listenHost(), port,
        settings.advertisedHost(), port);
    Map<String, VirtualService> next = new TreeMap<>(services);
    next.put(name, service);
    return Map.copyOf(next);
  }

  private Map<String, VirtualService> onRemoveService(Map<String, VirtualService> services, RemoveService m) {
    VirtualService service = services.get(m.name());
    m.replyTo().tell(StatusReply.ack());
    if (service == null) {
      return services;
    }
    relay.unlisten(service);
    ports.release(service.port);
    ctx.getLog().info("gateway: app '{}' removed", m.name());
    Map<String, VirtualService> next = new TreeMap<>(services);
    next.remove(m.name());
    return Map.copyOf(next);
  }

  private Map<String, VirtualService> onAddReal(Map<String, VirtualService> services, AddReal m) {
    if (m.endpoints().isEmpty()) {
      m.replyTo().tell(StatusReply.error(new CocaineException(ErrorCode.INVALID_ARGUMENT,
          "node '" + m.node() + "' has no endpoint for app '" + m.name() + "'")));
      return services;
    }
    Map<String, VirtualService> next;
    try {
      next = withService(services, m.name());
    } catch (CocaineException e) {
      m.replyTo().tell(StatusReply.error(e));
      return services;
    }
    VirtualService service = next.get(m.name());
    Map<String, Real> reals = new HashMap<>(service.reals);
    Real old = reals.get(m.node());
    reals.put(m.node(), old == null ? Real.of(m.node(), m.endpoints()) : old.replacedBy(m.endpoints()));
    service.reals = Map.copyOf(reals);
    ctx.getLog().info("gateway: app '{}' {} real of node '{}' at {}", m.name(), old == null ? "gets a" : "replaces the",
        m.node(), m.endpoints());
    m.replyTo().tell(StatusReply.ack());
    return next;
  }

  private void onRemoveReal(Map<String, VirtualService> services, RemoveReal m) {
    VirtualService service = services.get(m.name());
    m.replyTo().tell(StatusReply.ack());
    if (service == null || !service.reals.containsKey(m.node())) {
      return;
    }
    Map<String, Real> reals = new HashMap<>(service.reals);
    reals.remove(m.node());
    service.reals = Map.copyOf(reals);
    ctx.getLog().info("gateway: app '{}' lost the real of node '{}'; {} left", m.name(), m.node(), reals.size());
  }

  private void onResolve(Map<String, VirtualService> services, Resolve m) {
    VirtualService service = services.get(m.name());
    if (service == null) {
      m.replyTo().tell(StatusReply.error(new CocaineException(NOT_AVAILABLE,
          "service '" + m.name() + "' is not available: no node runs it")));
    } else if (service.reals.isEmpty()) {
      m.replyTo().tell(StatusReply.error(new CocaineException(NOT_AVAILABLE,
          "service '" + m.name() + "' is not available: no node runs it now")));
    } else {
      m.replyTo().tell(StatusReply.success(List.of(new Endpoint(settings.advertisedHost(), service.port))));
    }
  }

  /** The {@link Gateway} contract over asks to the actor. */
  private static final class Facade implements Gateway {
    private final ActorSystem<?> system;
    private final ActorRef<Command> ref;
    private final Duration timeout;

    Facade(ActorSystem<?> system, ActorRef<Command> ref, Duration timeout) {
      this.system = system;
      this.ref = ref;
      this.timeout = timeout;
    }

    @Override
    public CompletionStage<Done> addService(String name) {
      return AskPattern.askWithStatus(ref, r -> new AddService(name, r), timeout, system.scheduler());
    }

    @Override
    public CompletionStage<Done> removeService(String name) {
      return AskPattern.askWithStatus(ref, r -> new RemoveService(name, r), timeout, system.scheduler());
    }

    @Override
    public CompletionStage<Done> addReal(String name, String node, List<Endpoint> endpoints) {
      return AskPattern.askWithStatus(ref, r -> new AddReal(name, node, endpoints, r), timeout, system.scheduler());
    }

    @Override
    public CompletionStage<Done> removeReal(String name, String node) {
      return AskPattern.askWithStatus(ref, r -> new RemoveReal(name, node, r), timeout, system.scheduler());
    }

    @Override
    public CompletionStage<List<Endpoint>> resolve(String name) {
      return AskPattern.askWithStatus(ref, r -> new Resolve(name, r), timeout, system.scheduler());
    }

    @Override
    public CompletionStage<Done> close() {
      return AskPattern.askWithStatus(ref, Close::new, timeout, system.scheduler());
    }
  }
}
