package cocaine.cluster.metalocator;

import cocaine.cluster.Announce;
import cocaine.config.ClusterSettings;
import cocaine.gateway.Gateway;
import cocaine.locator.Endpoint;
import cocaine.locator.Locator;
import cocaine.locator.ServiceInfo;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The balancer's view of the cluster (docs/protocol.md 5.1-5.4): which nodes exist (from multicast
 * announces or the predefined list), one {@link Link} per node following its {@code connect}
 * stream, and which node runs which service. It drives the {@link Gateway}: a real per (node,
 * service) while the node publishes it, removed when the service is withdrawn or the node is
 * lost. {@code resolve} answers with the gateway's virtual endpoints and the service's protocol.
 */
public final class Metalocator {
  private static final Logger log = LoggerFactory.getLogger(Metalocator.class);
  /** A node silent this many announce intervals is dropped (multicast). */
  static final int SILENT_INTERVALS = 3;

  public sealed interface Command {}

  /** A multicast announce was heard; {@code done} is called once it is handled (frees the receiver's queue). */
  public record Heard(Announce announce, Runnable done) implements Command {}

  /** ZooKeeper discovery: the node's registration is gone (it stopped, or its session expired). */
  public record Left(String uuid) implements Command {}

  /** Resolves a service of the cluster to the gateway's virtual endpoints. */
  public record Resolve(String name, ActorRef<Locator.Resolved> replyTo) implements Command {}

  /** The linked nodes: uuid -> the locator endpoint the link is connected to. */
  public record Cluster(ActorRef<Locator.Nodes> replyTo) implements Command {}

  /** What the cluster publishes: service -> node uuid -> the node's entry. */
  public record Services(ActorRef<Map<String, Map<String, ServiceInfo>>> replyTo) implements Command {}

  /** A link got the node's snapshot. */
  record Linked(String node, ActorRef<Link.Command> link, Endpoint at, ConnectWrite snapshot, ActorRef<Link.Ack> ack)
      implements Command {}

  /** A link got one change. */
  record Changed(String node, ActorRef<Link.Command> link, ConnectWrite update, ActorRef<Link.Ack> ack) implements Command {}

  /** A link lost its node (and reconnects by itself): withdraw everything of the node. */
  record Unlinked(String node, ActorRef<Link.Command> link, String reason) implements Command {}

  /** The node is not who it was announced as; the link stopped. */
  record Refused(String node, ActorRef<Link.Command> link, String reason) implements Command {}

  private enum Tick implements Command { INSTANCE }

  /**
   * One known node. {@code conflicts}: other endpoints announced under the same uuid (logged once each).
   */
  private record Node(List<Endpoint> endpoints, long heardAt, Optional<ActorRef<Link.Command>> link,
      Optional<Endpoint> linkedAt, boolean foreign, Set<List<Endpoint>> conflicts) {
    Node heard(long now) {
      return new Node(endpoints, now, link, linkedAt, foreign, conflicts);
    }

    Node linkedAt(Optional<Endpoint> at) {
      return new Node(endpoints, heardAt, link, at, foreign, conflicts);
    }
  }

  private record State(Map<String, Node> nodes, Map<String, Map<String, ServiceInfo>> services, long links, boolean full) {
    State withNode(String uuid, Node node) {
      Map<String, Node> n = new TreeMap<>(nodes);
      if (node == null) {
        n.remove(uuid);
      } else {
        n.put(uuid, node);
      }
      return new State(Map.copyOf(n), services, links, full);
    }

    State withServices(Map<String, Map<String, ServiceInfo>> s) {
      return new State(nodes, Map.copyOf(s), links, full);
    }

    State withLinks(long l) {
      return new State(nodes, services, l, full);
    }

    State withFull(boolean f) {
      return new State(nodes, services, links, f);
    }

    boolean isLinked(String uuid, ActorRef<Link.Command> link) {
      Node n = nodes.get(uuid);
      return n != null && n.link().isPresent() && n.link().get().equals(link);
    }
  }

  private final ActorContext<Command> ctx;
  private final MetalocatorSettings settings;
  private final Gateway gateway;

  private Metalocator(ActorContext<Command> ctx, MetalocatorSettings settings, Gateway gateway) {
    this.ctx = ctx;
    this.settings = settings;
    this.gateway = gateway;
  }

  /**
   * @param gateway gets a real per (node, service); the metalocator does not close it
   */
  public static Behavior<Command> create(MetalocatorSettings settings, Gateway gateway) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      ctx.setLoggerName(Metalocator.class);
      Metalocator m = new Metalocator(ctx, settings, gateway);
      State s = new State(Map.of(), Map.of(), 0, false);
      if (settings.discovery() == ClusterSettings.Type.MULTICAST
          || settings.discovery() == ClusterSettings.Type.PREDEFINE) {
        // predefine: re-link listed nodes every interval; multicast: drop silent nodes
        timers.startTimerWithFixedDelay(Tick.INSTANCE, settings.discovery() == ClusterSettings.Type.MULTICAST
            ? settings.interval().dividedBy(2) : settings.interval());
      }
      ctx.getLog().info("metalocator: node '{}', discovery {}, cluster '{}'", settings.uuid(), settings.discovery(),
          settings.cluster());
      return m.serving(m.linkPredefined(s));
    }));
  }

  private Behavior<Command> serving(State s) {
    return Behaviors.receive(Command.class)
        .onMessage(Heard.class, m -> serving(onHeard(s, m)))
        .onMessage(Left.class, m -> {
          if (!s.nodes().containsKey(m.uuid())) {
            return Behaviors.same();
          }
          ctx.getLog().warn("metalocator: node '{}' at {} left: its registration is gone", m.uuid(),
              s.nodes().get(m.uuid()).endpoints());
          return serving(dropNode(s, m.uuid()));
        })
        .onMessage(Linked.class, m -> serving(onLinked(s, m)))
        .onMessage(Changed.class, m -> serving(onChanged(s, m)))
        .onMessage(Unlinked.class, m -> serving(onUnlinked(s, m)))
        .onMessage(Refused.class, m -> serving(onRefused(s, m)))
        .onMessageEquals(Tick.INSTANCE, () -> serving(onTick(s)))
        .onMessage(Resolve.class, m -> onResolve(s, m))
        .onMessage(Cluster.class, m -> onCluster(s, m))
        .onMessage(Services.class, m -> {
          m.replyTo().tell(s.services());
          return Behaviors.same();
        })
        .build();
  }

  private State onHeard(State s, Heard m) {
    try {
      Announce a = m.announce();
      if (a.uuid().equals(settings.uuid())) {
        return s;
      }
      if (settings.discovery() != ClusterSettings.Type.MULTICAST
          && settings.discovery() != ClusterSettings.Type.ZOOKEEPER) {
        return s;
      }
      long now = System.nanoTime();
      Node known = s.nodes().get(a.uuid());
      if (known == null) {
        return addNode(s, a.uuid(), a.endpoints(), now);
      }
      if (known.endpoints().equals(a.endpoints())) {
        return s.withNode(a.uuid(), known.heard(now));
      }
      if (known.conflicts().contains(a.endpoints())) {
        return s;
      }
      ctx.getLog().warn("metalocator: two nodes announce uuid '{}': keeping the one at {}, ignoring the one at {}"
          + " (give every node its own cocaine.uuid)", a.uuid(), known.endpoints(), a.endpoints());
      Set<List<Endpoint>> conflicts = new HashSet<>(known.conflicts());
      conflicts.add(a.endpoints());
      return s.withNode(a.uuid(), new Node(known.endpoints(), known.heardAt(), known.link(), known.linkedAt(),
          known.foreign(), Set.copyOf(conflicts)));
    } finally {
      m.done().run();
    }
  }

  private State addNode(State s, String uuid, List<Endpoint> endpoints, long now) {
    if (s.nodes().size() >= settings.maxNodes()) {
      if (!s.full()) {
        ctx.getLog().warn("metalocator: refusing node '{}' at {}: {} nodes tracked already (cocaine.balancer.max-nodes)",
            uuid, endpoints, s.nodes().size());
      }
      return s.withFull(true);
    }
    long serial = s.links() + 1;
    String name = "link-" + URLEncoder.encode(uuid, StandardCharsets.UTF_8) + "-" + serial;
    ActorRef<Link.Command> link = ctx.spawn(
        Link.create(settings.uuid(), uuid, endpoints, ctx.getSelf(), settings.link(), settings.connection()), name);
    ctx.getLog().info("metalocator: new node '{}' at {}", uuid, endpoints);
    return s.withNode(uuid, new Node(List.copyOf(endpoints), now, Optional.of(link), Optional.empty(), false, Set.of()))
        .withLinks(serial).withFull(false);
  }

  private State linkPredefined(State s) {
    State next = s;
    long now = System.nanoTime();
    for (Map.Entry<String, Endpoint> e : settings.nodes().entrySet()) {
      if (!e.getKey().equals(settings.uuid()) && !next.nodes().containsKey(e.getKey())) {
        next = addNode(next, e.getKey(), List.of(e.getValue()), now);
      }
    }
    return next;
  }

  private State onTick(State s) {
    if (settings.discovery() == ClusterSettings.Type.PREDEFINE) {
      return linkPredefined(s);
    }
    long now = System.nanoTime();
    long limit = settings.interval().toNanos() * SILENT_INTERVALS;
    State next = s;
    for (Map.Entry<String, Node> e : s.nodes().entrySet()) {
      if (now - e.getValue().heardAt() > limit) {
        ctx.getLog().warn("metalocator: node '{}' at {} sent no announce for {} intervals of {}: dropped", e.getKey(),
            e.getValue().endpoints(), SILENT_INTERVALS, settings.interval());
        next = dropNode(next, e.getKey());
      }
    }
    return next;
  }

  /** Forgets the node: stops its link and withdraws its services. */
  private State dropNode(State s, String uuid) {
    Node n = s.nodes().get(uuid);
    if (n == null) {
      return s;
    }
    n.link().ifPresent(ctx::stop);
    return withdrawNode(s, uuid).withNode(uuid, null).withFull(false);
  }

  private State onLinked(State s, Linked m) {
    if (!s.isLinked(m.node(), m.link())) {
      m.ack().tell(Link.Ack.INSTANCE);
      return s;
    }
    Node n = s.nodes().get(m.node());
    String theirs = m.snapshot().cluster();
    if (!theirs.equals(settings.cluster())) {
      ctx.getLog().warn("metalocator: node '{}' at {} belongs to cluster '{}', this balancer serves '{}': skipped",
          m.node(), m.at(), theirs, settings.cluster());
      ctx.stop(m.link());
      return s.withNode(m.node(), new Node(n.endpoints(), n.heardAt(), Optional.empty(), Optional.empty(), true, n.conflicts()));
    }
    State next = withdrawNode(s, m.node()).withNode(m.node(), n.linkedAt(Optional.of(m.at())));
    next = apply(next, m.node(), m.snapshot());
    m.ack().tell(Link.Ack.INSTANCE);
    return next;
  }

  private State onChanged(State s, Changed m) {
    State next = s.isLinked(m.node(), m.link()) ? apply(s, m.node(), m.update()) : s;
    m.ack().tell(Link.Ack.INSTANCE);
    return next;
  }

  private State onUnlinked(State s, Unlinked m) {
    if (!s.isLinked(m.node(), m.link())) {
      return s;
    }
    Node n = s.nodes().get(m.node());
    if (n.linkedAt().isPresent()) {
      ctx.getLog().info("metalocator: node '{}' withdrawn: {}", m.node(), m.reason());
    }
    return withdrawNode(s, m.node()).withNode(m.node(), n.linkedAt(Optional.empty()));
  }

  private State onRefused(State s, Refused m) {
    if (!s.isLinked(m.node(), m.link())) {
      return s;
    }
    ctx.getLog().warn("metalocator: node '{}' dropped: {}", m.node(), m.reason());
    return dropNode(s, m.node());
  }

  /** One write of the node: entries with endpoints are (re)published, empty ones withdrawn. */
  private State apply(State s, String node, ConnectWrite write) {
    Map<String, Map<String, ServiceInfo>> services = new TreeMap<>(s.services());
    write.services().forEach((name, info) -> {
      if (settings.reserved().contains(name)) {
        return; // every node publishes its own platform services; this node serves its own
      }
      Map<String, ServiceInfo> byNode = new TreeMap<>(services.getOrDefault(name, Map.of()));
      if (info.endpoints().isEmpty()) {
        if (byNode.remove(node) != null) {
          ctx.getLog().info("metalocator: node '{}' withdrew '{}'", node, name);
          report(gateway.removeReal(name, node), "remove the real of node '" + node + "' from '" + name + "'");
        }
      } else {
        ServiceInfo old = byNode.put(node, info);
        if (old == null || !old.endpoints().equals(info.endpoints()) || old.version() != info.version()) {
          ctx.getLog().info("metalocator: node '{}' publishes '{}' v{} at {}", node, name, info.version(), info.endpoints());
          report(gateway.addReal(name, node, info.endpoints()), "add the real of node '" + node + "' to '" + name + "'");
        }
      }
      if (byNode.isEmpty()) {
        services.remove(name);
      } else {
        services.put(name, Map.copyOf(byNode));
      }
    });
    return s.withServices(services);
  }

  /** Withdraws every service of the node (gateway {@code cleanup(uuid)}). */
  private State withdrawNode(State s, String node) {
    Map<String, Map<String, ServiceInfo>> services = new TreeMap<>(s.services());
    boolean changed = false;
    for (Map.Entry<String, Map<String, ServiceInfo>> e : s.services().entrySet()) {
      if (e.getValue().containsKey(node)) {
        changed = true;
        report(gateway.removeReal(e.getKey(), node), "remove the real of node '" + node + "' from '" + e.getKey() + "'");
        Map<String, ServiceInfo> byNode = new TreeMap<>(e.getValue());
        byNode.remove(node);
        if (byNode.isEmpty()) {
          services.remove(e.getKey());
        } else {
          services.put(e.getKey(), Map.copyOf(byNode));
        }
      }
    }
    return changed ? s.withServices(services) : s;
  }

  private Behavior<Command> onResolve(State s, Resolve m) {
    Map<String, ServiceInfo> byNode = s.services().get(m.name());
    if (byNode == null || byNode.isEmpty()) {
      m.replyTo().tell(new Locator.Resolved.Failed(new CocaineException(ErrorCode.SERVICE_NOT_AVAILABLE,
          "service '" + m.name() + "' is not available: no node of the cluster publishes it")));
      return Behaviors.same();
    }
    // every node runs the same app; the first one's version and protocol describe it
    ServiceInfo info = byNode.values().iterator().next();
    gateway.resolve(m.name()).whenComplete((endpoints, failure) -> m.replyTo().tell(failure == null
        ? new Locator.Resolved.Ok(new ServiceInfo(m.name(), endpoints, info.version(), info.protocol()))
        : new Locator.Resolved.Failed(asCocaine(failure, m.name()))));
    return Behaviors.same();
  }

  private Behavior<Command> onCluster(State s, Cluster m) {
    Map<String, Endpoint> linked = new TreeMap<>();
    s.nodes().forEach((uuid, n) -> n.linkedAt().ifPresent(at -> linked.put(uuid, at)));
    m.replyTo().tell(new Locator.Nodes(Map.copyOf(linked)));
    return Behaviors.same();
  }

  private static void report(java.util.concurrent.CompletionStage<?> call, String what) {
    call.whenComplete((ok, failure) -> {
      if (failure != null) {
        log.error("metalocator: gateway could not {}: {}", what, cause(failure).getMessage());
      }
    });
  }

  private static Throwable cause(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }

  private static CocaineException asCocaine(Throwable failure, String name) {
    Throwable c = cause(failure);
    return c instanceof CocaineException ce ? ce
        : new CocaineException(ErrorCode.SERVICE_NOT_AVAILABLE, "service '" + name + "' is not available: " + c);
  }
}
