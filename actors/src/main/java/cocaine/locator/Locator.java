package cocaine.locator;

import cocaine.config.LocatorSettings;
import cocaine.routing.Continuum;
import cocaine.storage.Storage;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Header;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.javadsl.Source;
import org.msgpack.value.Value;
import org.msgpack.value.ValueFactory;

/**
 * The node's locator: which services run here and where, routing groups (app versions by weight),
 * and the streams other nodes and routers follow ({@code connect}, {@code routing}; docs/protocol.md
 * 2.6, 4.5, 5.3). Names it does not serve go to a {@link RemoteResolver} once one is plugged in.
 * Routing groups are read from storage ({@code groups}, tags {@code group, active}) at start;
 * resolves wait for that first read.
 *
 * <p>It stays one file of about 430 lines because its handlers all change one {@code State} (services,
 * their owners, groups, subscribers) that only this actor touches; the rules it applies live beside
 * it as their own types: who may claim a name ({@link NameClaims}, {@link Owner}), reading groups
 * ({@link RoutingGroups}), one follower's bounded stream ({@link Subscription}).
 */
public final class Locator {
  /** Header on every {@code connect} write: the msgpack-packed {@code extra} map of the config. */
  public static final String EXTRA_HEADER = "x-cocaine-locator-extra";
  /** Collection of routing groups in storage. */
  public static final String GROUPS = RoutingGroups.COLLECTION;

  // Resolves waiting for the first read of routing groups; past it they are answered without groups.
  private static final int STARTING_STASH = 1024;

  public sealed interface Command {}

  /**
   * Publishes (or replaces) a service of this runtime itself ({@link Owner#PLATFORM}), announcing it
   * to every {@code connect} subscriber. Always granted; from then on no peer can replace it.
   */
  public record Publish(ServiceInfo info, ActorRef<Done> replyTo) implements Command {}

  /**
   * Withdraws a service this runtime published; {@code connect} subscribers get it with no
   * endpoints. Unknown names, and names a peer published, are left as they are.
   */
  public record Unpublish(String name, ActorRef<Done> replyTo) implements Command {}

  /** Finds a service by name or routing group; a non-empty seed makes the group's pick sticky. */
  public record Resolve(String name, Optional<String> seed, ActorRef<Resolved> replyTo) implements Command {}

  /** A {@code connect} stream for the node {@code subscriber}: a snapshot, then one write per change. */
  public record Subscribe(String subscriber, ActorRef<Subscribed> replyTo) implements Command {}

  /** A {@code routing} stream for a router: every ring now and after every refresh. */
  public record Routing(String routerId, ActorRef<Subscribed> replyTo) implements Command {}

  /** The nodes known through the remote resolver; none on a plain node. */
  public record Cluster(ActorRef<Nodes> replyTo) implements Command {}

  /** Re-reads the named routing groups from storage; a missing one is removed. */
  public record Refresh(List<String> groups, ActorRef<Refreshed> replyTo) implements Command {}

  /** From now on, names that are not local are looked up there. */
  public record UseRemote(RemoteResolver remote) implements Command {}

  /** A peer's {@code publish}: granted or refused as {@link NameClaims} says. */
  record Claim(ServiceInfo info, Owner.Peer owner, boolean enforceOwners, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  /** Unpublishes {@code info} only if it is still the published entry (a wire publish ended). */
  record Withdraw(ServiceInfo info, ActorRef<Done> replyTo) implements Command {}

  private record Attach(boolean routing, String who, BoundedSourceQueue<Message> queue, CompletionStage<Done> finished)
      implements Command {}

  /** Groups read from storage: a ring, or empty when the group is gone; failures keep the old ring. */
  private record GroupsRead(Map<String, Optional<Continuum>> groups, List<String> failures,
      Optional<ActorRef<Refreshed>> replyTo) implements Command {}

  private record SubscriberGone(ActorRef<Subscription.Command> subscription) implements Command {}

  /** Answer to {@link Resolve}. */
  public sealed interface Resolved {
    record Ok(ServiceInfo info) implements Resolved {}

    record Failed(CocaineException error) implements Resolved {}
  }

  /** A subscription's stream of {@code write} messages; ends with the locator. Materialize it once. */
  public record Subscribed(Source<Message, NotUsed> updates) {}

  public record Nodes(Map<String, Endpoint> nodes) {}

  /** Answer to {@link Refresh}: empty, or why some group could not be read (those keep their old ring). */
  public record Refreshed(Optional<CocaineException> error) {}

  /** Everything that changes, replaced as a whole on each change. */
  private record State(Map<String, ServiceInfo> services, Map<String, Owner> owners, Map<String, Continuum> groups,
      Set<ActorRef<Subscription.Command>> announcees, Set<ActorRef<Subscription.Command>> routers,
      Optional<RemoteResolver> remote, long subscriptions) {

    static final State EMPTY = new State(Map.of(), Map.of(), Map.of(), Set.of(), Set.of(), Optional.empty(), 0);

    /** @param o the owner of each service in {@code s} */
    State withServices(Map<String, ServiceInfo> s, Map<String, Owner> o) {
      return new State(Map.copyOf(s), Map.copyOf(o), groups, announcees, routers, remote, subscriptions);
    }

    State withGroups(Map<String, Continuum> g) {
      return new State(services, owners, Map.copyOf(g), announcees, routers, remote, subscriptions);
    }

    State withSubscribers(Set<ActorRef<Subscription.Command>> a, Set<ActorRef<Subscription.Command>> r, long count) {
      return new State(services, owners, groups, Set.copyOf(a), Set.copyOf(r), remote, count);
    }

    State withRemote(RemoteResolver r) {
      return new State(services, owners, groups, announcees, routers, Optional.of(r), subscriptions);
    }
  }

  private final ActorContext<Command> ctx;
  private final StashBuffer<Command> stash;
  private final String uuid;
  private final Set<String> restrict;
  private final Header extra;
  private final int subscriptionBuffer;
  private final Storage storage;

  private Locator(ActorContext<Command> ctx, StashBuffer<Command> stash, String uuid, LocatorSettings settings,
      int subscriptionBuffer, Storage storage) {
    this.ctx = ctx;
    this.stash = stash;
    this.uuid = uuid;
    this.restrict = Set.copyOf(settings.restrict());
    this.extra = new Header(EXTRA_HEADER, FrameEncoder.encodeValue(Values.fromJava(settings.extra())));
    this.subscriptionBuffer = subscriptionBuffer;
    this.storage = storage;
  }

  /**
   * @param uuid this node's id, sent first in every {@code connect} write
   * @param settings {@code restrict} (names never announced) and {@code extra} (the header's map)
   * @param subscriptionBuffer writes a {@code connect}/{@code routing} caller may leave untaken before it is failed
   * @param storage where routing groups are read
   */
  public static Behavior<Command> create(String uuid, LocatorSettings settings, int subscriptionBuffer, Storage storage) {
    if (subscriptionBuffer < 1) {
      throw new IllegalArgumentException("subscriptionBuffer must be >= 1, got " + subscriptionBuffer);
    }
    return Behaviors.setup(ctx -> Behaviors.withStash(STARTING_STASH,
        stash -> new Locator(ctx, stash, uuid, settings, subscriptionBuffer, storage).start()));
  }

  private Behavior<Command> start() {
    CompletionStage<GroupsRead> initial = storage.find(RoutingGroups.COLLECTION, RoutingGroups.ACTIVE)
        .thenCompose(names -> readGroups(names, Optional.empty()));
    ctx.pipeToSelf(initial, (read, failure) -> read != null ? read
        : new GroupsRead(Map.of(), List.of("cannot list routing groups: " + cause(failure).getMessage()), Optional.empty()));
    return starting(State.EMPTY);
  }

  // Waiting for the first read of routing groups: resolves and routing snapshots wait (up to
  // STARTING_STASH), the rest is served.
  private Behavior<Command> starting(State s) {
    return common(s, this::starting, Behaviors.receive(Command.class)
        .onMessage(Resolve.class, m -> waitForGroups(s, m, () -> onResolve(s, m)))
        .onMessage(Attach.class, Attach::routing, m -> waitForGroups(s, m, () -> starting(onAttach(s, m))))
        .onMessage(GroupsRead.class, m -> stash.unstashAll(serving(onGroupsRead(s, m)))));
  }

  private Behavior<Command> serving(State s) {
    return common(s, this::serving, Behaviors.receive(Command.class)
        .onMessage(Resolve.class, m -> onResolve(s, m))
        .onMessage(GroupsRead.class, m -> serving(onGroupsRead(s, m))));
  }

  /** The messages served the same way in every state, after the state's own. */
  private Behavior<Command> common(State s, Function<State, Behavior<Command>> next, BehaviorBuilder<Command> own) {
    return own
        .onMessage(Publish.class, m -> {
          State published = onPublish(s, m.info(), Owner.PLATFORM);
          m.replyTo().tell(Done.getInstance());
          return next.apply(published);
        })
        .onMessage(Claim.class, m -> next.apply(onClaim(s, m)))
        .onMessage(Unpublish.class, m -> next.apply(onUnpublish(s, m.name(), null, m.replyTo())))
        .onMessage(Withdraw.class, m -> next.apply(onUnpublish(s, m.info().name(), m.info(), m.replyTo())))
        .onMessage(Subscribe.class, m -> reply(m.replyTo(), new Subscribed(feed(false, "connect from node '" + m.subscriber() + "'"))))
        .onMessage(Routing.class, m -> reply(m.replyTo(), new Subscribed(feed(true, "routing for '" + m.routerId() + "'"))))
        .onMessage(Attach.class, m -> next.apply(onAttach(s, m)))
        .onMessage(SubscriberGone.class, m -> next.apply(onSubscriberGone(s, m.subscription())))
        .onMessage(Cluster.class, m -> onCluster(s, m))
        .onMessage(Refresh.class, this::onRefresh)
        .onMessage(UseRemote.class, m -> next.apply(s.withRemote(m.remote())))
        .build();
  }

  private State onClaim(State s, Claim m) {
    NameClaims.Verdict verdict = NameClaims.claim(m.info().name(), Optional.ofNullable(s.owners().get(m.info().name())),
        m.owner(), m.enforceOwners());
    if (verdict instanceof NameClaims.Verdict.Refused refused) {
      m.replyTo().tell(StatusReply.error(refused.error()));
      return s;
    }
    State published = onPublish(s, m.info(), m.owner());
    m.replyTo().tell(StatusReply.ack());
    return published;
  }

  private State onPublish(State s, ServiceInfo info, Owner owner) {
    Map<String, ServiceInfo> services = new TreeMap<>(s.services());
    Map<String, Owner> owners = new TreeMap<>(s.owners());
    ServiceInfo old = services.put(info.name(), info);
    Owner oldOwner = owners.put(info.name(), owner);
    if (old == null) {
      ctx.getLog().info("locator: published service '{}' v{} at {} for {}", info.name(), info.version(),
          info.endpoints(), owner);
    } else {
      ctx.getLog().info("locator: replaced service '{}' of {} by v{} at {} for {}", info.name(), oldOwner,
          info.version(), info.endpoints(), owner);
    }
    announce(s, info);
    return s.withServices(services, owners);
  }

  /** @param expected unpublish only if this exact entry is published; null for any this runtime published */
  private State onUnpublish(State s, String name, ServiceInfo expected, ActorRef<Done> replyTo) {
    ServiceInfo old = s.services().get(name);
    replyTo.tell(Done.getInstance());
    if (old == null || (expected != null && old != expected)) {
      return s;
    }
    if (expected == null && !(s.owners().get(name) instanceof Owner.Platform)) {
      ctx.getLog().info("locator: service '{}' is left as it is: {} published it, not this node", name,
          s.owners().get(name));
      return s;
    }
    Map<String, ServiceInfo> services = new TreeMap<>(s.services());
    Map<String, Owner> owners = new TreeMap<>(s.owners());
    services.remove(name);
    owners.remove(name);
    ctx.getLog().info("locator: unpublished service '{}'", name);
    announce(s, old.withoutEndpoints());
    return s.withServices(services, owners);
  }

  private void announce(State s, ServiceInfo info) {
    if (!hidden(info.name())) {
      Message update = connectWrite(Map.of(info.name(), info));
      s.announcees().forEach(a -> a.tell(new Subscription.Push(update)));
    }
  }

  /** Not sent to other nodes: the locator itself and the {@code restrict} list. */
  private boolean hidden(String name) {
    return name.equals(LocatorService.NAME) || restrict.contains(name);
  }

  private Behavior<Command> waitForGroups(State s, Command m, Supplier<Behavior<Command>> now) {
    if (stash.isFull()) {
      ctx.getLog().warn("locator: {} requests wait for routing groups; serving {} without them", STARTING_STASH, m);
      return now.get();
    }
    stash.stash(m);
    return Behaviors.same();
  }

  private Behavior<Command> onResolve(State s, Resolve m) {
    Continuum ring = s.groups().get(m.name());
    String target = ring == null ? m.name() : ring.pick(m.seed().orElse(""));
    String what = ring == null ? "service '" + m.name() + "'"
        : "service '" + target + "' (chosen by routing group '" + m.name() + "')";
    ServiceInfo local = s.services().get(target);
    if (local != null) {
      m.replyTo().tell(new Resolved.Ok(local));
    } else if (s.remote().isPresent()) {
      remotely(() -> s.remote().get().resolve(target)).whenComplete((info, failure) -> m.replyTo().tell(info != null
          ? new Resolved.Ok(info) : new Resolved.Failed(asCocaine(failure, what))));
    } else {
      m.replyTo().tell(new Resolved.Failed(new CocaineException(ErrorCode.SERVICE_NOT_AVAILABLE, what + " is not available")));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onCluster(State s, Cluster m) {
    if (s.remote().isEmpty()) {
      m.replyTo().tell(new Nodes(Map.of()));
    } else {
      org.slf4j.Logger log = ctx.getLog(); // thread-safe itself; the context is not
      remotely(() -> s.remote().get().cluster()).whenComplete((nodes, failure) -> {
        if (failure != null) {
          log.warn("locator: cluster view failed: {}", failure.toString());
        }
        m.replyTo().tell(new Nodes(nodes != null ? Map.copyOf(nodes) : Map.of()));
      });
    }
    return Behaviors.same();
  }

  private Behavior<Command> onRefresh(Refresh m) {
    ctx.pipeToSelf(readGroups(m.groups(), Optional.of(m.replyTo())), (read, failure) -> read != null ? read
        : new GroupsRead(Map.of(), List.of(cause(failure).getMessage()), Optional.of(m.replyTo())));
    return Behaviors.same();
  }

  private State onGroupsRead(State s, GroupsRead m) {
    Map<String, Continuum> groups = new TreeMap<>(s.groups());
    m.groups().forEach((name, ring) -> {
      if (ring.isPresent()) {
        groups.put(name, ring.get());
      } else if (groups.remove(name) != null) {
        ctx.getLog().info("locator: routing group '{}' removed", name);
      }
    });
    if (!m.groups().isEmpty()) {
      ctx.getLog().info("locator: routing groups {} read; now serving {}", m.groups().keySet(), groups.keySet());
    }
    m.failures().forEach(f -> ctx.getLog().error("locator: {}", f));
    State next = s.withGroups(groups);
    Message rings = routingWrite(groups);
    next.routers().forEach(r -> r.tell(new Subscription.Push(rings)));
    m.replyTo().ifPresent(r -> r.tell(new Refreshed(m.failures().isEmpty() ? Optional.empty()
        : Optional.of(new CocaineException(ErrorCode.ROUTING_STORAGE, String.join("; ", m.failures()))))));
    return next;
  }

  /** The stream a subscriber gets; its materialization attaches a {@link Subscription} here. */
  private Source<Message, NotUsed> feed(boolean routing, String who) {
    ActorRef<Command> self = ctx.getSelf();
    return Source.<Message>queue(subscriptionBuffer).watchTermination((queue, finished) -> {
      self.tell(new Attach(routing, who, queue, finished));
      return NotUsed.getInstance();
    });
  }

  private State onAttach(State s, Attach m) {
    Map<String, ServiceInfo> visible = new TreeMap<>();
    s.services().forEach((name, info) -> {
      if (!hidden(name)) {
        visible.put(name, info);
      }
    });
    Message first = m.routing() ? routingWrite(s.groups()) : connectWrite(visible);
    long id = s.subscriptions() + 1;
    ActorRef<Subscription.Command> sub = ctx.spawn(
        Subscription.create(m.who(), m.queue(), m.finished(), subscriptionBuffer, first),
        (m.routing() ? "routing-" : "connect-") + id);
    ctx.watchWith(sub, new SubscriberGone(sub));
    ctx.getLog().info("locator: {} subscribed", m.who());
    Set<ActorRef<Subscription.Command>> announcees = new HashSet<>(s.announcees());
    Set<ActorRef<Subscription.Command>> routers = new HashSet<>(s.routers());
    (m.routing() ? routers : announcees).add(sub);
    return s.withSubscribers(announcees, routers, id);
  }

  private State onSubscriberGone(State s, ActorRef<Subscription.Command> sub) {
    Set<ActorRef<Subscription.Command>> announcees = new HashSet<>(s.announcees());
    Set<ActorRef<Subscription.Command>> routers = new HashSet<>(s.routers());
    announcees.remove(sub);
    routers.remove(sub);
    return s.withSubscribers(announcees, routers, s.subscriptions());
  }

  /** {@code write [uuid, {name: [endpoints, version, graph]}]} with the extra header. */
  private Message connectWrite(Map<String, ServiceInfo> services) {
    ValueFactory.MapBuilder map = ValueFactory.newMapBuilder();
    services.forEach((name, info) -> map.put(Values.str(name), info.toValue()));
    return Message.write(Values.str(uuid), map.build()).withHeaders(List.of(extra));
  }

  /** {@code write [{group: [[point, name], ...]}]}. */
  static Message routingWrite(Map<String, Continuum> groups) {
    ValueFactory.MapBuilder map = ValueFactory.newMapBuilder();
    groups.forEach((name, ring) -> {
      List<Value> points = new ArrayList<>();
      ring.points().forEach(p -> points.add(Values.array(Values.integer(p.getKey()), Values.str(p.getValue()))));
      map.put(Values.str(name), Values.array(points));
    });
    return Message.write(map.build());
  }

  private CompletionStage<GroupsRead> readGroups(List<String> names, Optional<ActorRef<Refreshed>> replyTo) {
    return RoutingGroups.read(storage, names).thenApply(read -> new GroupsRead(read.rings(), read.failures(), replyTo));
  }

  /** A remote call whose synchronous throw becomes a failed stage: it must never stop the locator. */
  private static <T> CompletionStage<T> remotely(Supplier<CompletionStage<T>> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      return java.util.concurrent.CompletableFuture.failedFuture(e);
    }
  }

  private static Throwable cause(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }

  private static CocaineException asCocaine(Throwable failure, String what) {
    Throwable c = cause(failure);
    return c instanceof CocaineException ce ? ce
        : new CocaineException(ErrorCode.SERVICE_NOT_AVAILABLE, what + " is not available: " + c);
  }

  private static <T> Behavior<Command> reply(ActorRef<T> to, T answer) {
    to.tell(answer);
    return Behaviors.same();
  }
}
