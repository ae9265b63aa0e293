package cocaine.node.app;

import cocaine.locator.Endpoint;
import cocaine.locator.ServiceInfo;
import cocaine.node.engine.Engine;
import cocaine.node.slot.SlotSettings;
import cocaine.rpc.service.Server;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.Tcp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One app on this node: spooling -> binding -> publishing -> running -> stopping, or broken ({@code info}
 * shows the start states as spooling). Spooling reads the manifest, profile and archive from storage,
 * unpacks the archive through the isolate and opens the worker pipe ({@link Spooled}); binding starts
 * the engine and binds the app's invocation service on an ephemeral port; publishing announces it
 * ({@link Publication}); only then is the start reported. Any failure leaves the app broken with the
 * cause shown by {@code info}; nothing escapes the actor. What it holds ({@link Holdings}) is given
 * back when it stops or breaks.
 */
public final class App {
  /** What the node asks of an app. */
  public sealed interface Command {}

  /** The info map (docs/protocol.md 3.6); {@code flags} as in {@link InfoFlags}. */
  public record Info(int flags, ActorRef<Map<String, Object>> replyTo) implements Command {}

  /**
   * Unpublish, unbind, terminate the workers, then stop; {@code replyTo} hears when all is gone and
   * {@code withdrawn} (if not null) as soon as the service is out of the locator, before the workers
   * are: the node's {@code pause_app} answers then, as the original did.
   */
  public record Stop(ActorRef<Done> replyTo, ActorRef<Done> withdrawn) implements Command {
    public Stop(ActorRef<Done> replyTo) {
      this(replyTo, null);
    }

    /** Who hears that everything is gone: both, as that comes after the withdrawal too. */
    List<ActorRef<Done>> all() {
      return withdrawn == null ? List.of(replyTo) : List.of(replyTo, withdrawn);
    }
  }

  /** Spooling ended; {@code failure} is null when it worked, else {@code spooled} holds what it reached. */
  private record Prepared(Spooled spooled, Throwable failure) implements Command {}

  private record Bound(Tcp.ServerBinding binding) implements Command {}

  private enum Published implements Command { INSTANCE }

  /** The engine's count of active workers changed (drives publish-on / unpublish-under). */
  private record ActiveChanged(int active) implements Command {}

  /** A publish or unpublish after the start finished; {@code failure} is null when it worked. */
  private record PublishChanged(boolean published, Throwable failure) implements Command {}

  private record Failed(Throwable cause) implements Command {}

  private enum Released implements Command { INSTANCE }

  private record EngineStopped() implements Command {}

  private record Described(Map<String, Object> engine, Throwable failure, int flags,
      ActorRef<Map<String, Object>> replyTo) implements Command {}

  /** How a start ended, for {@code start_app}'s reply; {@code from} tells apart two lives of one name. */
  public sealed interface Started {
    String app();

    ActorRef<Command> from();
  }

  public record Running(String app, ActorRef<Command> from) implements Started {}

  public record Broken(String app, ActorRef<Command> from, CocaineException cause) implements Started {}

  /** The node service's version of every app service (docs/protocol.md 2.6). */
  public static final int SERVICE_VERSION = 1;
  private static final int STASH = 64;
  private static final Logger LOG = LoggerFactory.getLogger(App.class);

  private final ActorContext<Command> ctx;
  private final StashBuffer<Command> stash;
  private final AppHost host;
  private final String name;
  private final String profileName;
  private final ActorRef<Started> onStart;

  private App(ActorContext<Command> ctx, StashBuffer<Command> stash, AppHost host, String name, String profileName,
      ActorRef<Started> onStart) {
    this.ctx = ctx;
    this.stash = stash;
    this.host = host;
    this.name = name;
    this.profileName = profileName;
    this.onStart = onStart;
  }

  /**
   * An app that starts at once with the named profile.
   *
   * @param onStart hears {@link Running} once the app is published, or {@link Broken} with the cause
   */
  public static Behavior<Command> create(AppHost host, String name, String profileName, ActorRef<Started> onStart) {
    return Behaviors.setup(ctx -> Behaviors.withStash(STASH,
        stash -> new App(ctx, stash, host, name, profileName, onStart).spooling()));
  }

  // Reading the stored objects, unpacking, opening the worker pipe.
  private Behavior<Command> spooling() {
    ctx.pipeToSelf(Spooled.spool(host, name, profileName, ctx.getSystem(), Prepared::new),
        (p, e) -> e == null ? p : new Prepared(Spooled.NONE, e));
    return starting("spooling", Holdings.spooled(Spooled.NONE), Behaviors.receive(Command.class)
        .onMessage(Prepared.class, m -> m.failure() == null ? bind(m.spooled()) : failedSpool(m)));
  }

  private Behavior<Command> failedSpool(Prepared m) {
    return broken(Holdings.spooled(m.spooled()), false, false, startError(m.failure()));
  }

  // Starts the engine and binds the invocation service on an ephemeral port.
  private Behavior<Command> bind(Spooled spooled) {
    var slots = new SlotSettings(name, spooled.profile(), spooled.isolate(), spooled.pipe(),
        host.config().locatorArgument(), spooled.manifest().environment(), host.storage());
    ActorRef<Engine.Command> engine = ctx.spawn(Engine.create(slots, ctx.messageAdapter(Engine.ActiveWorkers.class,
        a -> new ActiveChanged(a.active()))), "engine");
    ctx.watchWith(engine, new EngineStopped());
    var service = new AppService(name, spooled.profile(), engine, ctx.getSelf(), ctx.getSystem(),
        host.config().askTimeout(), host.config().connection().channelBuffer());
    // closes the clients' connections once the app is stopped; unbinding alone leaves them open
    SharedKillSwitch connections = KillSwitches.shared("app-connections");
    ctx.pipeToSelf(Server.bind(ctx.getSystem(), host.config().bindHost(), host.config().pinned().of(name), service,
        host.config().connection(),
        connections),
        (b, e) -> e == null ? new Bound(b) : new Failed(e));
    return binding(new Holdings(spooled, engine, service, connections, null), Publication.of(spooled.profile()));
  }

  // The engine runs; the service is being bound.
  private Behavior<Command> binding(Holdings held, Publication publication) {
    return starting("spooling", held, Behaviors.receive(Command.class)
        .onMessage(Bound.class, m -> publish(held.withBinding(m.binding()), publication))
        .onMessage(ActiveChanged.class, m -> binding(held, publication.withActive(m.active()))));
  }

  // docs/protocol.md 3.6: published once publish-on workers are active (the engine starts them).
  private Behavior<Command> publish(Holdings held, Publication publication) {
    if (!publication.startMayPublish()) {
      LOG.info("app [{}] waits for [{}] active workers (publish-on) before it is published", name,
          publication.publishOn());
      return waitingForWorkers(held, publication);
    }
    ctx.pipeToSelf(host.publisher().publish(serviceInfo(held)), (d, e) -> e == null ? Published.INSTANCE : new Failed(e));
    return publishing(held, publication);
  }

  private Behavior<Command> waitingForWorkers(Holdings held, Publication publication) {
    return starting("spooling", held, Behaviors.receive(Command.class)
        .onMessage(ActiveChanged.class, m -> workersChanged(held, publication.withActive(m.active()))));
  }

  private Behavior<Command> workersChanged(Holdings held, Publication publication) {
    return publication.startMayPublish() ? publish(held, publication) : waitingForWorkers(held, publication);
  }

  private Behavior<Command> publishing(Holdings held, Publication publication) {
    return starting("spooling", held, Behaviors.receive(Command.class)
        .onMessage(Published.class, m -> run(held, publication.started(), System.nanoTime()))
        .onMessage(ActiveChanged.class, m -> publishing(held, publication.withActive(m.active()))));
  }

  /** The common part of the start states: failures break the app, stops wait until the start ends. */
  private Behavior<Command> starting(String state, Holdings held, BehaviorBuilder<Command> builder) {
    return builder
        .onMessage(Failed.class, m -> broken(held, false, false, startError(m.cause())))
        .onMessage(EngineStopped.class, m -> broken(held.withoutEngine(), false, false, engineDied()))
        .onMessage(Info.class, m -> reply(m.replyTo(), info(held).base(state, false, m.flags(), 0)))
        .onMessage(Stop.class, m -> {
          stash.stash(m);
          return Behaviors.same();
        })
        .onMessage(Described.class, m -> Behaviors.same())
        .build();
  }

  // Published: the node may hand it events; onStart hears it runs.
  private Behavior<Command> run(Holdings held, Publication publication, long sinceNanos) {
    LOG.info("app [{}] is running with profile [{}] on port [{}]", name, profileName,
        held.binding().localAddress().getPort());
    host.running().add(name, held.service()); // before anyone hears it runs
    onStart.tell(new Running(name, ctx.getSelf()));
    return stash.unstashAll(running(held, publication, sinceNanos));
  }

  // Takes events until stopped; publishes and unpublishes as its workers come and go.
  private Behavior<Command> running(Holdings held, Publication publication, long sinceNanos) {
    return Behaviors.receive(Command.class)
        .onMessage(Info.class, m -> describe(held, m))
        .onMessage(Described.class, m -> reply(m.replyTo(), info(held).running(publication.published(), m.flags(),
            (System.nanoTime() - sinceNanos) / 1_000_000_000, m.engine(), m.failure())))
        .onMessage(Stop.class, m -> stopping(held, publication.mayBePublished(), m))
        .onMessage(EngineStopped.class, m -> broken(held.withoutEngine(), publication.mayBePublished(), true, engineDied()))
        .onSignal(PostStop.class, m -> {
          host.running().remove(name, held.service()); // stopped by a failure: no stale entry
          return Behaviors.same();
        })
        .onMessage(ActiveChanged.class, m -> republish(held, publication.withActive(m.active()), sinceNanos))
        .onMessage(PublishChanged.class, m -> publishChanged(held, publication, sinceNanos, m))
        .build();
  }

  private Behavior<Command> publishChanged(Holdings held, Publication publication, long sinceNanos, PublishChanged m) {
    if (m.failure() != null) {
      LOG.warn("app [{}]: could not {}: {}", name, m.published() ? "publish" : "unpublish", m.failure().toString());
      return republish(held, publication.failed(), sinceNanos);
    }
    LOG.info("app [{}] {} with [{}] active workers", name, m.published() ? "published again" : "unpublished",
        publication.active());
    return republish(held, publication.changed(m.published()), sinceNanos);
  }

  /** Starts the publish or unpublish the workers' count calls for, if any (see {@link Publication}). */
  private Behavior<Command> republish(Holdings held, Publication publication, long sinceNanos) {
    Publication.Change change = publication.due();
    switch (change) {
      case UNPUBLISH -> ctx.pipeToSelf(host.publisher().unpublish(name), (d, e) -> new PublishChanged(false, e));
      case PUBLISH -> ctx.pipeToSelf(host.publisher().publish(serviceInfo(held)), (d, e) -> new PublishChanged(true, e));
      case NONE -> { }
    }
    return running(held, publication.begun(change), sinceNanos);
  }

  // Unpublished first so no new client comes, then unbound, workers terminated, pipe closed.
  private Behavior<Command> stopping(Holdings held, boolean published, Stop stop) {
    LOG.info("app [{}] is stopping", name);
    host.running().remove(name, held.service());
    ctx.unwatch(held.engine());
    ActorRef<Done> withdrawn = stop.withdrawn();
    release(held, published, () -> {
      if (withdrawn != null) {
        withdrawn.tell(Done.getInstance());
      }
    });
    return releasing(info(held), published, List.of(stop.replyTo()));
  }

  private Behavior<Command> releasing(AppInfo info, boolean published, List<ActorRef<Done>> waiting) {
    return Behaviors.receive(Command.class)
        .onMessage(Released.class, m -> {
          waiting.forEach(r -> r.tell(Done.getInstance()));
          return Behaviors.stopped();
        })
        .onMessage(Stop.class, m -> releasing(info, published, with(waiting, m.all())))
        .onMessage(Info.class, m -> reply(m.replyTo(), info.base("stopping", published, m.flags(), 0)))
        .onAnyMessage(m -> Behaviors.same())
        .build();
  }

  // Failed to start or lost its engine: shows the cause until stopped.
  private Behavior<Command> broken(Holdings held, boolean published, boolean started, CocaineException cause) {
    LOG.warn("app [{}] is broken: {} {}", name, cause.code(), cause.getMessage());
    host.running().remove(name, held.service());
    if (held.engine() != null) {
      ctx.unwatch(held.engine());
    }
    if (!started) {
      onStart.tell(new Broken(name, ctx.getSelf(), cause));
    }
    release(held, published, () -> {});
    return stash.unstashAll(brokenReleasing(info(held).broken(published, cause), List.of()));
  }

  private Behavior<Command> brokenReleasing(Map<String, Object> info, List<ActorRef<Done>> waiting) {
    return Behaviors.receive(Command.class)
        .onMessage(Released.class, m -> {
          waiting.forEach(r -> r.tell(Done.getInstance()));
          return waiting.isEmpty() ? brokenReleased(info) : Behaviors.stopped();
        })
        .onMessage(Stop.class, m -> brokenReleasing(info, with(waiting, m.all())))
        .onMessage(Info.class, m -> reply(m.replyTo(), info))
        .onAnyMessage(m -> Behaviors.same())
        .build();
  }

  private Behavior<Command> brokenReleased(Map<String, Object> info) {
    return Behaviors.receive(Command.class)
        .onMessage(Stop.class, m -> {
          m.all().forEach(r -> r.tell(Done.getInstance()));
          return Behaviors.stopped();
        })
        .onMessage(Info.class, m -> reply(m.replyTo(), info))
        .onAnyMessage(m -> Behaviors.same())
        .build();
  }

  private Behavior<Command> describe(Holdings held, Info m) {
    if ((m.flags() & InfoFlags.OVERSEER) == 0) {
      ctx.getSelf().tell(new Described(Map.of(), null, m.flags(), m.replyTo()));
      return Behaviors.same();
    }
    @SuppressWarnings({"unchecked", "rawtypes"})
    Class<Map<String, Object>> mapClass = (Class) Map.class;
    ctx.ask(mapClass, held.engine(), host.config().askTimeout(), Engine.Describe::new,
        (report, e) -> new Described(report, e, m.flags(), m.replyTo()));
    return Behaviors.same();
  }

  /** @param withdrawn runs once the service is out of the locator (any thread) */
  private void release(Holdings held, boolean published, Runnable withdrawn) {
    ctx.pipeToSelf(held.release(host.publisher(), name, published, withdrawn, ctx.getSystem().scheduler()),
        (d, e) -> Released.INSTANCE);
  }

  private AppInfo info(Holdings held) {
    return new AppInfo(profileName, held.spooled());
  }

  private ServiceInfo serviceInfo(Holdings held) {
    return new ServiceInfo(name, List.of(new Endpoint(host.config().announceHost(),
        held.binding().localAddress().getPort())), SERVICE_VERSION, AppService.PROTOCOL);
  }

  private static <T> Behavior<Command> reply(ActorRef<T> to, T value) {
    to.tell(value);
    return Behaviors.same();
  }

  private static List<ActorRef<Done>> with(List<ActorRef<Done>> waiting, List<ActorRef<Done>> others) {
    List<ActorRef<Done>> more = new ArrayList<>(waiting);
    more.addAll(others);
    return List.copyOf(more);
  }

  private CocaineException startError(Throwable t) {
    CocaineException c = asCocaine(t);
    if (c.getMessage() != null && c.getMessage().contains("'" + name + "'")) {
      return c;
    }
    return new CocaineException(c.code(), "app '" + name + "': " + c.getMessage(), c);
  }

  private CocaineException engineDied() {
    return new CocaineException(ErrorCode.UNCAUGHT, "app '" + name + "': its engine stopped unexpectedly");
  }

  /** The CocaineException inside a failed stage; anything else becomes an uncaught error. */
  static CocaineException asCocaine(Throwable t) {
    Throwable cause = t;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof CocaineException c) {
      return c;
    }
    return new CocaineException(ErrorCode.UNCAUGHT, String.valueOf(cause.getMessage() != null ? cause.getMessage() : cause));
  }
}
