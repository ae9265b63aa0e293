package cocaine.gateway.userspace;

import cocaine.config.Settings;
import cocaine.gateway.Gateway;
import cocaine.gateway.VirtualPorts;
import cocaine.locator.Endpoint;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.stream.javadsl.AsPublisher;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The portable gateway: a TCP listener per app on {@code balancer.listen-host}, splicing each
 * client connection to the real with the fewest open connections. Bytes flow through Pekko TCP
 * stages joined end to end, so each direction is bounded by the stream buffers and a slow side
 * slows the other. A real that refuses a connection is skipped for {@code down-time} and the next
 * one is tried; the metalocator removes the reals of nodes that leave.
 */
public final class UserspaceGateway {
  private static final Logger log = LoggerFactory.getLogger(UserspaceGateway.class);
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

  /** Unbinds every listener and stops; relayed connections run on until either side ends them. */
  public record Close(ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /** A client connected to the app's listener: which real should it go to (none of {@code tried}). */
  record Pick(String name, Set<Endpoint> tried, ActorRef<Picked> replyTo) implements Command {}

  /** Answer to {@link Pick}. */
  sealed interface Picked {
    record To(String node, Endpoint endpoint) implements Picked {}

    record None(String reason) implements Picked {}
  }

  /** A relayed connection to a real ended. */
  record Released(String name, String node) implements Command {}

  /** A real did not accept a connection. */
  record Refused(String name, String node, Endpoint endpoint, String reason) implements Command {}

  private record Bound(String name, long id, int port, Tcp.ServerBinding binding, Throwable failure) implements Command {}

  private record Real(List<Endpoint> endpoints, int active, long picks, Map<Endpoint, Long> downUntil) {
    Real withActive(int delta, long pickDelta) {
      return new Real(endpoints, Math.max(0, active + delta), picks + pickDelta, downUntil);
    }
  }

  /** One app's listener: bound or binding, its reals, and resolves waiting for the bind. */
  private record Virtual(long id, Optional<Tcp.ServerBinding> binding, Map<String, Real> reals,
      List<ActorRef<StatusReply<List<Endpoint>>>> waiting, List<ActorRef<StatusReply<Done>>> added) {
    Virtual withReals(Map<String, Real> r) {
      return new Virtual(id, binding, Map.copyOf(r), waiting, added);
    }
  }

  private record State(Map<String, Virtual> services, int open, long nextId) {
    State with(String name, Virtual v) {
      Map<String, Virtual> s = new TreeMap<>(services);
      if (v == null) {
        s.remove(name);
      } else {
        s.put(name, v);
      }
      return new State(Map.copyOf(s), open, nextId);
    }

    State withOpen(int delta) {
      return new State(services, Math.max(0, open + delta), nextId);
    }
  }

  private final ActorContext<Command> ctx;
  private final UserspaceSettings settings;
  private final VirtualPorts ports;

  private UserspaceGateway(ActorContext<Command> ctx, UserspaceSettings settings) {
    this.ctx = ctx;
    this.settings = settings;
    this.ports = new VirtualPorts(settings.ports());
  }

  public static Behavior<Command> create(UserspaceSettings settings) {
    return Behaviors.setup(ctx -> {
      ctx.setLoggerName(UserspaceGateway.class);
      return new UserspaceGateway(ctx, settings).serving(new State(Map.of(), 0, 1));
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

  private Behavior<Command> serving(State s) {
    return Behaviors.receive(Command.class)
        .onMessage(AddService.class, m -> serving(onAddService(s, m.name(), Optional.of(m.replyTo()))))
        .onMessage(RemoveService.class, m -> serving(onRemoveService(s, m)))
        .onMessage(AddReal.class, m -> serving(onAddReal(s, m)))
        .onMessage(RemoveReal.class, m -> serving(onRemoveReal(s, m)))
        .onMessage(Resolve.class, m -> serving(onResolve(s, m)))
        .onMessage(Bound.class, m -> serving(onBound(s, m)))
        .onMessage(Pick.class, m -> serving(onPick(s, m)))
        .onMessage(Released.class, m -> serving(onReleased(s, m.name(), m.node()).withOpen(-1)))
        .onMessage(Refused.class, m -> serving(onRefused(s, m)))
        .onMessage(Close.class, m -> onClose(s, m))
        .build();
  }

  private State onAddService(State s, String name, Optional<ActorRef<StatusReply<Done>>> replyTo) {
    Virtual v = s.services().get(name);
    if (v != null) {
      if (v.binding().isPresent()) {
        replyTo.ifPresent(r -> r.tell(StatusReply.ack()));
        return s;
      }
      List<ActorRef<StatusReply<Done>>> added = new ArrayList<>(v.added());
      replyTo.ifPresent(added::add);
      return s.with(name, new Virtual(v.id(), v.binding(), v.reals(), v.waiting(), List.copyOf(added)));
    }
    int port;
    try {
      port = ports.take();
    } catch (CocaineException e) {
      ctx.getLog().error("gateway: cannot create the virtual service of '{}': {}", name, e.getMessage());
      replyTo.ifPresent(r -> r.tell(StatusReply.error(e)));
      return s;
    }
    long id = s.nextId();
    ActorRef<Command> self = ctx.getSelf();
    ActorSystem<?> system = ctx.getSystem();
    UserspaceSettings cfg = settings;
    CompletionStage<Tcp.ServerBinding> binding = Tcp.get(system)
        .bind(settings.listenHost(), port, BACKLOG, List.of(), true, Optional.empty())
        .to(Sink.foreach(conn -> relay(system, self, cfg, name, conn)))
        .run(system);
    ctx.pipeToSelf(binding, (b, failure) -> new Bound(name, id, port, b, failure));
    Virtual v2 = new Virtual(id, Optional.empty(), Map.of(), List.of(), replyTo.map(List::of).orElse(List.of()));
    return new State(s.with(name, v2).services(), s.open(), id + 1);
  }

  private State onBound(State s, Bound m) {
    Virtual v = s.services().get(m.name());
    if (v == null || v.id() != m.id()) {
      if (m.binding() != null) {
        m.binding().unbind(); // removed while binding
      }
      ports.release(m.port());
      return s;
    }
    if (m.failure() != null) {
      ports.release(m.port());
      CocaineException e = new CocaineException(NOT_AVAILABLE, "gateway cannot listen for app '" + m.name() + "' on "
          + settings.listenHost() + ": " + m.failure().getMessage());
      ctx.getLog().error("gateway: {}", e.getMessage());
      v.added().forEach(r -> r.tell(StatusReply.error(e)));
      v.waiting().forEach(r -> r.tell(StatusReply.error(e)));
      return s.with(m.name(), null);
    }
    int port = m.binding().localAddress().getPort();
    ctx.getLog().info("gateway: app '{}' listens on {}:{} (advertised as {}:{})", m.name(), settings.listenHost(), port,
        settings.advertisedHost(), port);
    Virtual bound = new Virtual(v.id(), Optional.of(m.binding()), v.reals(), List.of(), List.of());
    v.added().forEach(r -> r.tell(StatusReply.ack()));
    v.waiting().forEach(r -> answer(bound, m.name(), r));
    return s.with(m.name(), bound);
  }

  private State onRemoveService(State s, RemoveService m) {
    Virtual v = s.services().get(m.name());
    if (v != null) {
      v.binding().ifPresent(b -> {
        b.unbind();
        ports.release(b.localAddress().getPort());
      });
      CocaineException gone = new CocaineException(NOT_AVAILABLE, "app '" + m.name() + "' was removed from the gateway");
      v.waiting().forEach(r -> r.tell(StatusReply.error(gone)));
      v.added().forEach(r -> r.tell(StatusReply.error(gone)));
      ctx.getLog().info("gateway: app '{}' removed", m.name());
    }
    m.replyTo().tell(StatusReply.ack());
    return s.with(m.name(), null);
  }

  private State onAddReal(State s, AddReal m) {
    if (m.endpoints().isEmpty()) {
      m.replyTo().tell(StatusReply.error(new CocaineException(ErrorCode.INVALID_ARGUMENT,
          "node '" + m.node() + "' has no endpoint for app '" + m.name() + "'")));
      return s;
    }
    State next = s.services().containsKey(m.name()) ? s : onAddService(s, m.name(), Optional.empty());
    Virtual v = next.services().get(m.name());
    if (v == null) { // the port range is exhausted: logged by onAddService
      m.replyTo().tell(StatusReply.error(new CocaineException(NOT_AVAILABLE, "no virtual service for app '" + m.name() + "'")));
      return next;
    }
    Map<String, Real> reals = new TreeMap<>(v.reals());
    Real old = reals.get(m.node());
    reals.put(m.node(), new Real(List.copyOf(m.endpoints()), old == null ? 0 : old.active(), old == null ? 0 : old.picks(),
        Map.of()));
    ctx.getLog().info("gateway: app '{}' {} real of node '{}' at {}", m.name(), old == null ? "gets a" : "replaces the",
        m.node(), m.endpoints());
    m.replyTo().tell(StatusReply.ack());
    return next.with(m.name(), v.withReals(reals));
  }

  private State onRemoveReal(State s, RemoveReal m) {
    Virtual v = s.services().get(m.name());
    m.replyTo().tell(StatusReply.ack());
    if (v == null || !v.reals().containsKey(m.node())) {
      return s;
    }
    Map<String, Real> reals = new TreeMap<>(v.reals());
    reals.remove(m.node());
    ctx.getLog().info("gateway: app '{}' lost the real of node '{}'; {} left", m.name(), m.node(), reals.size());
    return s.with(m.name(), v.withReals(reals));
  }

  private State onResolve(State s, Resolve m) {
    Virtual v = s.services().get(m.name());
    if (v == null) {
      m.replyTo().tell(StatusReply.error(new CocaineException(NOT_AVAILABLE,
          "service '" + m.name() + "' is not available: no node runs it")));
      return s;
    }
    if (v.binding().isEmpty()) {
      List<ActorRef<StatusReply<List<Endpoint>>>> waiting = new ArrayList<>(v.waiting());
      waiting.add(m.replyTo());
      return s.with(m.name(), new Virtual(v.id(), v.binding(), v.reals(), List.copyOf(waiting), v.added()));
    }
    answer(v, m.name(), m.replyTo());
    return s;
  }

  private void answer(Virtual v, String name, ActorRef<StatusReply<List<Endpoint>>> replyTo) {
    if (v.reals().isEmpty()) {
      replyTo.tell(StatusReply.error(new CocaineException(NOT_AVAILABLE,
          "service '" + name + "' is not available: no node runs it now")));
    } else {
      replyTo.tell(StatusReply.success(List.of(new Endpoint(settings.advertisedHost(),
          v.binding().get().localAddress().getPort()))));
    }
  }

  private State onPick(State s, Pick m) {
    Virtual v = s.services().get(m.name());
    if (v == null || v.reals().isEmpty()) {
      m.replyTo().tell(new Picked.None("no node runs app '" + m.name() + "' now"));
      return s;
    }
    if (s.open() >= settings.maxConnections()) {
      m.replyTo().tell(new Picked.None("the gateway relays " + s.open()
          + " connections already (cocaine.balancer.userspace.max-connections)"));
      return s;
    }
    long now = System.nanoTime();
    Optional<Pair<String, Endpoint>> choice = leastLoaded(v, m.tried(), now, true);
    if (choice.isEmpty()) {
      choice = leastLoaded(v, m.tried(), now, false); // every real is marked down: try one anyway
    }
    if (choice.isEmpty()) {
      m.replyTo().tell(new Picked.None("every real of app '" + m.name() + "' refused the connection"));
      return s;
    }
    String node = choice.get().first();
    Map<String, Real> reals = new TreeMap<>(v.reals());
    reals.put(node, reals.get(node).withActive(1, 1));
    m.replyTo().tell(new Picked.To(node, choice.get().second()));
    return s.with(m.name(), v.withReals(reals)).withOpen(1);
  }

  /** The real with the fewest open connections (then the fewest so far) and its first usable endpoint. */
  private static Optional<Pair<String, Endpoint>> leastLoaded(Virtual v, Set<Endpoint> tried, long now, boolean skipDown) {
    Pair<String, Endpoint> best = null;
    Real bestReal = null;
    for (Map.Entry<String, Real> e : v.reals().entrySet()) {
      Real r = e.getValue();
      Optional<Endpoint> usable = r.endpoints().stream()
          .filter(ep -> !tried.contains(ep))
          .filter(ep -> !skipDown || r.downUntil().getOrDefault(ep, now) - now <= 0)
          .findFirst();
      if (usable.isEmpty()) {
        continue;
      }
      if (bestReal == null || r.active() < bestReal.active()
          || (r.active() == bestReal.active() && r.picks() < bestReal.picks())) {
        best = Pair.create(e.getKey(), usable.get());
        bestReal = r;
      }
    }
    return Optional.ofNullable(best);
  }

  private State onReleased(State s, String name, String node) {
    Virtual v = s.services().get(name);
    if (v == null || !v.reals().containsKey(node)) {
      return s;
    }
    Map<String, Real> reals = new TreeMap<>(v.reals());
    reals.put(node, reals.get(node).withActive(-1, 0));
    return s.with(name, v.withReals(reals));
  }

  private State onRefused(State s, Refused m) {
    ctx.getLog().warn("gateway: real of node '{}' for app '{}' at {} refused a connection ({}); skipped for {}", m.node(),
        m.name(), m.endpoint(), m.reason(), settings.downTime());
    State next = onReleased(s, m.name(), m.node()).withOpen(-1);
    Virtual v = next.services().get(m.name());
    if (v == null || !v.reals().containsKey(m.node())) {
      return next;
    }
    Map<String, Real> reals = new TreeMap<>(v.reals());
    Real r = reals.get(m.node());
    Map<Endpoint, Long> down = new java.util.HashMap<>(r.downUntil());
    down.put(m.endpoint(), System.nanoTime() + settings.downTime().toNanos());
    reals.put(m.node(), new Real(r.endpoints(), r.active(), r.picks(), Map.copyOf(down)));
    return next.with(m.name(), v.withReals(reals));
  }

  private Behavior<Command> onClose(State s, Close m) {
    s.services().forEach((name, v) -> {
      v.binding().ifPresent(Tcp.ServerBinding::unbind);
      CocaineException closed = new CocaineException(NOT_AVAILABLE, "the gateway is closed");
      v.waiting().forEach(r -> r.tell(StatusReply.error(closed)));
      v.added().forEach(r -> r.tell(StatusReply.error(closed)));
    });
    ctx.getLog().info("gateway: closed; {} relayed connections run on until they end", s.open());
    m.replyTo().tell(StatusReply.ack());
    return Behaviors.stopped();
  }

  /** Hands one client connection to a real; runs on the listener's stream, not in the actor. */
  private static void relay(ActorSystem<?> system, ActorRef<Command> self, UserspaceSettings settings, String name,
      Tcp.IncomingConnection client) {
    String peer = client.remoteAddress().toString();
    CompletionStage<Flow<ByteString, ByteString, NotUsed>> backend =
        backend(system, self, settings, name, new HashSet<>(), settings.attempts());
    backend.whenComplete((flow, failure) -> {
      if (failure != null) {
        log.info("gateway: closed client {} of app '{}': {}", peer, name, message(failure));
      }
    });
    client.handleWith(Flow.completionStageFlow(backend), system);
  }

  /** Picks a real and connects to it; on a refusal the next real, up to {@code attemptsLeft} of them. */
  private static CompletionStage<Flow<ByteString, ByteString, NotUsed>> backend(ActorSystem<?> system,
      ActorRef<Command> self, UserspaceSettings settings, String name, Set<Endpoint> tried, int attemptsLeft) {
    CompletionStage<Picked> pick = AskPattern.ask(self, r -> new Pick(name, Set.copyOf(tried), r),
        settings.connectTimeout(), system.scheduler());
    return pick.thenCompose(picked -> {
      if (picked instanceof Picked.None none) {
        return CompletableFuture.failedFuture(new CocaineException(NOT_AVAILABLE, none.reason()));
      }
      Picked.To to = (Picked.To) picked;
      Endpoint ep = to.endpoint();
      Pair<Pair<Pair<Subscriber<ByteString>, CompletionStage<Tcp.OutgoingConnection>>, CompletionStage<Done>>,
          Publisher<ByteString>> running = Source.<ByteString>asSubscriber()
          .viaMat(Tcp.get(system).outgoingConnection(InetSocketAddress.createUnresolved(ep.host(), ep.port()),
              Optional.empty(), List.of(), true, Optional.of(settings.connectTimeout()), Optional.empty()), Keep.both())
          .watchTermination(Keep.both())
          .toMat(Sink.asPublisher(AsPublisher.WITHOUT_FANOUT), Keep.both())
          .run(system);
      CompletionStage<Tcp.OutgoingConnection> connected = running.first().first().second();
      CompletionStage<Done> ended = running.first().second();
      return connected.handle((c, failure) -> {
        if (failure == null) {
          ended.whenComplete((d, e) -> self.tell(new Released(name, to.node())));
          Flow<ByteString, ByteString, NotUsed> spliced = Flow.fromSinkAndSource(
              Sink.fromSubscriber(running.first().first().first()), Source.fromPublisher(running.second()));
          return CompletableFuture.completedFuture(spliced);
        }
        self.tell(new Refused(name, to.node(), ep, message(failure)));
        tried.add(ep);
        if (attemptsLeft > 1) {
          return backend(system, self, settings, name, tried, attemptsLeft - 1);
        }
        return CompletableFuture.<Flow<ByteString, ByteString, NotUsed>>failedFuture(new CocaineException(NOT_AVAILABLE,
            "no real of app '" + name + "' accepted the connection after " + settings.attempts() + " attempts"));
      }).thenCompose(f -> f);
    });
  }

  private static String message(Throwable t) {
    Throwable c = t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
    return c.getMessage() != null ? c.getMessage() : c.toString();
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
