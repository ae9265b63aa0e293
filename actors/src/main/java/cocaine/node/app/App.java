package cocaine.node.app;

import cocaine.rpc.service.Server;
import cocaine.wire.CocaineException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.Tcp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One app on this node: spooling -> binding -> publishing -> running -> stopping, or broken ({@code info}
 * shows the start states as spooling). Spooling starts one {@link Generation} per version of its
 * lineup (one; two during a canary), each reading its version from storage, unpacking it and starting
 * its engine; binding binds the app's invocation service on an ephemeral port over their
 * {@link Traffic}; publishing announces it ({@link Publication}); only then is the start reported.
 * While it runs, a {@link Roll} starts the new versions beside the serving ones (the
 * {@link Rollover}) and switches the traffic once they pass their health gate, so clients keep one
 * service through an update. Any failure of the start leaves the app broken with the cause shown by
 * {@code info}; nothing escapes the actor. What it holds ({@link Holdings}) is given back when it
 * stops or breaks.
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

  /**
   * Serve {@code lineup} from now on: its new versions start beside the serving ones and take new
   * channels once healthy; the versions it no longer names drain and stop ({@code renew}: every version
   * starts anew, even one that serves already: a rolling restart). {@code replyTo} hears
   * success once the lineup serves, or the reason it does not (the serving versions serve on).
   */
  public record Roll(List<Share> lineup, boolean renew, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  private record Reported(Generation.Report report) implements Command {}

  private record Gone(ActorRef<Generation.Command> ref) implements Command {}

  private record Bound(Tcp.ServerBinding binding) implements Command {}

  private enum Published implements Command { INSTANCE }

  /** A publish or unpublish after the start finished; {@code failure} is null when it worked. */
  private record PublishChanged(boolean published, Throwable failure) implements Command {}

  private record Failed(Throwable cause) implements Command {}

  private enum Released implements Command { INSTANCE }

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
  private final ActorRef<Started> onStart;
  private final ActorRef<Generation.Report> reports;

  private App(ActorContext<Command> ctx, StashBuffer<Command> stash, AppHost host, String name,
      ActorRef<Started> onStart) {
    this.ctx = ctx;
    this.stash = stash;
    this.host = host;
    this.name = name;
    this.onStart = onStart;
    this.reports = ctx.messageAdapter(Generation.Report.class, Reported::new);
  }

  /**
   * An app that starts at once with the named profile, from the current stored objects.
   *
   * @param onStart hears {@link Running} once the app is published, or {@link Broken} with the cause
   */
  public static Behavior<Command> create(AppHost host, String name, String profileName, ActorRef<Started> onStart) {
    return create(host, name, Share.only("", profileName), onStart);
  }

  /** An app that starts at once with the versions of {@code lineup} (none gated: nothing serves yet). */
  public static Behavior<Command> create(AppHost host, String name, List<Share> lineup, ActorRef<Started> onStart) {
    return Behaviors.setup(ctx -> Behaviors.withStash(STASH,
        stash -> new App(ctx, stash, host, name, onStart).spooling(lineup)));
  }

  private Behavior<Command> spooling(List<Share> lineup) {
    Generations gens = Generations.none();
    for (Share share : lineup) {
      gens = spawn(gens, share, false);
    }
    return spooling(Holdings.of(gens));
  }

  /** A new generation of {@code share} in the lowest free slot. */
  Generations spawn(Generations gens, Share share, boolean gated) {
    ActorRef<Generation.Command> ref = ctx.spawnAnonymous(Generation.create(host, name, share, gens.freeSlot(), gated,
        reports));
    ctx.watchWith(ref, new Gone(ref));
    return gens.add(ref, share);
  }

  // Every generation of the start spools and starts its engine.
  private Behavior<Command> spooling(Holdings held) {
    return starting("spooling", held, Behaviors.receive(Command.class)
        .onMessage(Reported.class, m -> m.report() instanceof Generation.Ready r ? ready(held.with(held.gens().ready(r)))
            : startReport(held, m.report(), null, s -> spooling(held))));
  }

  private Behavior<Command> ready(Holdings held) {
    if (held.gens().waitsForReady()) {
      return spooling(held);
    }
    var traffic = new Traffic(held.gens().with(Generations.Status.SERVING).stream().map(Generations.Live::route)
        .toList());
    var service = new AppService(name, traffic, ctx.getSelf(), ctx.getSystem(), host.config().askTimeout(),
        host.config().connection().channelBuffer());
    // closes the clients' connections once the app is stopped; unbinding alone leaves them open
    SharedKillSwitch connections = KillSwitches.shared("app-connections");
    ctx.pipeToSelf(Server.bind(ctx.getSystem(), host.config().bindHost(), host.config().pinned().of(name), service,
        host.config().connection(), connections), (b, e) -> e == null ? new Bound(b) : new Failed(e));
    Holdings bound = held.serving(traffic, service, connections);
    return binding(bound, Publication.of(bound.spooled().profile()));
  }

  // The engines run; the service is being bound.
  private Behavior<Command> binding(Holdings held, Publication publication) {
    return starting("spooling", held, Behaviors.receive(Command.class)
        .onMessage(Bound.class, m -> publish(held.withBinding(m.binding()), publication))
        .onMessage(Reported.class, m -> startReport(held, m.report(), publication, p -> binding(held, p))));
  }

  // docs/protocol.md 3.6: published once publish-on workers are active (the engine starts them).
  private Behavior<Command> publish(Holdings held, Publication publication) {
    if (!publication.startMayPublish()) {
      LOG.info("app [{}] waits for [{}] active workers (publish-on) before it is published", name,
          publication.publishOn());
      return waitingForWorkers(held, publication);
    }
    ctx.pipeToSelf(host.publisher().publish(held.serviceInfo(name, host.config().announceHost())), (d, e) -> e == null ? Published.INSTANCE : new Failed(e));
    return publishing(held, publication);
  }

  private Behavior<Command> waitingForWorkers(Holdings held, Publication publication) {
    return starting("spooling", held, Behaviors.receive(Command.class)
        .onMessage(Reported.class, m -> startReport(held, m.report(), publication,
            p -> p.startMayPublish() ? publish(held, p) : waitingForWorkers(held, p))));
  }

  private Behavior<Command> publishing(Holdings held, Publication publication) {
    return starting("spooling", held, Behaviors.receive(Command.class)
        .onMessage(Published.class, m -> run(held, publication.started(), System.nanoTime()))
        .onMessage(Reported.class, m -> startReport(held, m.report(), publication, p -> publishing(held, p))));
  }

  /** A generation's report while the app starts: a failure breaks it, a worker count goes to {@code next}. */
  private Behavior<Command> startReport(Holdings held, Generation.Report report, Publication publication,
      java.util.function.Function<Publication, Behavior<Command>> next) {
    if (report instanceof Generation.Failed f) {
      return broken(held.with(held.gens().without(f.from())), false, false, AppErrors.startError(name, f.cause()));
    }
    if (report instanceof Generation.Died d) {
      return broken(held.with(held.gens().without(d.from())), false, false, d.cause());
    }
    if (report instanceof Generation.Active a && publication != null && isPrimary(held, a.from())) {
      return next.apply(publication.withActive(a.active()));
    }
    return Behaviors.same();
  }

  /** The common part of the start states: failures break the app, stops and rollovers wait until the start ends. */
  private Behavior<Command> starting(String state, Holdings held, BehaviorBuilder<Command> builder) {
    return builder
        .onMessage(Failed.class, m -> broken(held, false, false, AppErrors.startError(name, m.cause())))
        .onMessage(Info.class, m -> reply(m.replyTo(), AppInfo.of(held).base(state, false, m.flags(), 0)))
        .onMessage(Stop.class, m -> stashed(m))
        .onMessage(Roll.class, m -> stashed(m))
        .onMessage(Described.class, m -> Behaviors.same())
        .onMessage(Gone.class, m -> Behaviors.same())
        .build();
  }

  private Behavior<Command> stashed(Command m) {
    stash.stash(m);
    return Behaviors.same();
  }

  // Published: the node may hand it events; onStart hears it runs.
  private Behavior<Command> run(Holdings held, Publication publication, long sinceNanos) {
    LOG.info("app [{}] is running version(s) {} on port [{}]", name, Rollover.versions(held),
        held.binding().localAddress().getPort());
    host.running().add(name, held.service()); // before anyone hears it runs
    onStart.tell(new Running(name, ctx.getSelf()));
    return stash.unstashAll(running(held, publication, sinceNanos));
  }

  // Takes events until stopped; publishes and unpublishes as its workers come and go; rolls over.
  Behavior<Command> running(Holdings held, Publication publication, long sinceNanos) {
    return Behaviors.receive(Command.class)
        .onMessage(Info.class, m -> describe(held, m))
        .onMessage(Described.class, m -> reply(m.replyTo(), Rollover.withVersions(held, AppInfo.of(held).running(
            publication.published(), m.flags(), (System.nanoTime() - sinceNanos) / 1_000_000_000, m.engine(),
            m.failure()))))
        .onMessage(Stop.class, m -> stopping(held, publication.mayBePublished(), m))
        .onMessage(Roll.class, m -> running(new Rollover(this, ctx, name).roll(held, m), publication, sinceNanos))
        .onMessage(Reported.class, m -> onReport(held, publication, sinceNanos, m.report()))
        .onMessage(Gone.class, m -> held.gens().find(m.ref()).filter(l -> l.status() == Generations.Status.SERVING)
            .isPresent() ? broken(held.with(held.gens().without(m.ref())), publication.mayBePublished(), true,
            AppErrors.engineDied(name)) : running(new Rollover(this, ctx, name).gone(held, m.ref()), publication, sinceNanos))
        .onSignal(PostStop.class, m -> {
          host.running().remove(name, held.service()); // stopped by a failure: no stale entry
          return Behaviors.same();
        })
        .onMessage(PublishChanged.class, m -> publishChanged(held, publication, sinceNanos, m))
        .build();
  }

  private Behavior<Command> onReport(Holdings held, Publication publication, long sinceNanos, Generation.Report r) {
    if (r instanceof Generation.Active a) {
      return isPrimary(held, a.from()) ? republish(held, publication.withActive(a.active()), sinceNanos)
          : Behaviors.same();
    }
    if (r instanceof Generation.Died d && held.gens().find(d.from())
        .filter(l -> l.status() == Generations.Status.SERVING).isPresent()) {
      return broken(held.with(held.gens().without(d.from())), publication.mayBePublished(), true, d.cause());
    }
    return running(new Rollover(this, ctx, name).report(held, r), publication, sinceNanos);
  }

  private boolean isPrimary(Holdings held, ActorRef<Generation.Command> ref) {
    return held.gens().primary().map(l -> l.ref().equals(ref)).orElse(false);
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
      case PUBLISH -> ctx.pipeToSelf(host.publisher().publish(held.serviceInfo(name, host.config().announceHost())), (d, e) -> new PublishChanged(true, e));
      case NONE -> { }
    }
    return running(held, publication.begun(change), sinceNanos);
  }

  // Unpublished first so no new client comes, then unbound, workers terminated, pipe closed.
  private Behavior<Command> stopping(Holdings held, boolean published, Stop stop) {
    LOG.info("app [{}] is stopping", name);
    host.running().remove(name, held.service());
    Rollover.refuse(held, "app '" + name + "' is stopping");
    ActorRef<Done> withdrawn = stop.withdrawn();
    release(held, published, () -> {
      if (withdrawn != null) {
        withdrawn.tell(Done.getInstance());
      }
    });
    return releasing(AppInfo.of(held), published, List.of(stop.replyTo()));
  }

  private Behavior<Command> releasing(AppInfo info, boolean published, List<ActorRef<Done>> waiting) {
    return Behaviors.receive(Command.class)
        .onMessage(Released.class, m -> {
          waiting.forEach(r -> r.tell(Done.getInstance()));
          return Behaviors.stopped();
        })
        .onMessage(Stop.class, m -> releasing(info, published, with(waiting, m.all())))
        .onMessage(Info.class, m -> reply(m.replyTo(), info.base("stopping", published, m.flags(), 0)))
        .onMessage(Roll.class, m -> reply(m.replyTo(), StatusReply.error(AppErrors.notRunning(name, "is stopping"))))
        .onAnyMessage(m -> Behaviors.same())
        .build();
  }

  // Failed to start or lost its engine: shows the cause until stopped.
  private Behavior<Command> broken(Holdings held, boolean published, boolean started, CocaineException cause) {
    LOG.warn("app [{}] is broken: {} {}", name, cause.code(), cause.getMessage());
    host.running().remove(name, held.service());
    Rollover.refuse(held, "app '" + name + "' broke: " + cause.getMessage());
    if (!started) {
      onStart.tell(new Broken(name, ctx.getSelf(), cause));
    }
    release(held, published, () -> {});
    return stash.unstashAll(showingBroken(AppInfo.of(held).broken(published, cause), false, List.of()));
  }

  /** Broken; {@code released} once what it held is given back: a stop then ends it at once. */
  private Behavior<Command> showingBroken(Map<String, Object> info, boolean released, List<ActorRef<Done>> waiting) {
    return Behaviors.receive(Command.class)
        .onMessage(Released.class, m -> {
          waiting.forEach(r -> r.tell(Done.getInstance()));
          return waiting.isEmpty() ? showingBroken(info, true, waiting) : Behaviors.stopped();
        })
        .onMessage(Stop.class, m -> {
          if (!released) {
            return showingBroken(info, false, with(waiting, m.all()));
          }
          m.all().forEach(r -> r.tell(Done.getInstance()));
          return Behaviors.stopped();
        })
        .onMessage(Info.class, m -> reply(m.replyTo(), info))
        .onMessage(Roll.class, m -> reply(m.replyTo(), StatusReply.error(AppErrors.notRunning(name, "is broken"))))
        .onAnyMessage(m -> Behaviors.same())
        .build();
  }

  private Behavior<Command> describe(Holdings held, Info m) {
    var primary = held.gens().primary();
    if ((m.flags() & InfoFlags.OVERSEER) == 0 || primary.isEmpty()) {
      ctx.getSelf().tell(new Described(Map.of(), null, m.flags(), m.replyTo()));
      return Behaviors.same();
    }
    @SuppressWarnings({"unchecked", "rawtypes"})
    Class<Map<String, Object>> mapClass = (Class) Map.class;
    ctx.ask(mapClass, primary.get().ref(), host.config().askTimeout(), Generation.Describe::new,
        (report, e) -> new Described(report, e, m.flags(), m.replyTo()));
    return Behaviors.same();
  }

  /** @param withdrawn runs once the service is out of the locator (any thread) */
  private void release(Holdings held, boolean published, Runnable withdrawn) {
    ctx.pipeToSelf(held.release(host.publisher(), name, published, withdrawn, ctx.getSystem().scheduler()),
        (d, e) -> Released.INSTANCE);
  }

  private static <T> Behavior<Command> reply(ActorRef<T> to, T value) {
    to.tell(value);
    return Behaviors.same();
  }

  static List<ActorRef<Done>> with(List<ActorRef<Done>> waiting, List<ActorRef<Done>> others) {
    List<ActorRef<Done>> more = new ArrayList<>(waiting);
    more.addAll(others);
    return List.copyOf(more);
  }
}
