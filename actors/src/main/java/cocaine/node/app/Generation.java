package cocaine.node.app;

import cocaine.node.engine.Engine;
import cocaine.node.slot.SlotSettings;
import cocaine.wire.CocaineException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * One version of an app on this node, beside the others under the app's one service: spools it
 * (in its own side-by-side slot), starts its engine and, when gated (a version that replaces or joins
 * a serving one), passes the health gate before it is {@link Ready}: one worker handshook and, when
 * the manifest names a {@link HealthCheck}, that event answered without error, all within the
 * health deadline. It then serves through the app's {@link Traffic} until {@link Retire}d: it waits
 * for the channels open on it (at most the drain timeout), stops its engine and gives back its pipe
 * and isolate. A generation that fails the gate says why ({@link Failed}) and gives back what it holds.
 */
final class Generation {
  sealed interface Command {}

  /**
   * Take no more part: drain (when {@code drain}; else stop at once, as an app's stop does), stop,
   * and tell {@code replyTo} once everything is given back. {@code discard}: the app serves on
   * without this version (a rollover), so its spool folder goes too; an app's stop keeps it.
   */
  record Retire(ActorRef<Done> replyTo, boolean drain, boolean discard) implements Command {}

  /** The engine's report (queue, pool, requests) for the app's info. */
  record Describe(ActorRef<Map<String, Object>> replyTo) implements Command {}

  private record Prepared(Spooled spooled, Throwable failure) implements Command {}

  private record ActiveChanged(int active) implements Command {}

  private record Probed(Throwable failure) implements Command {}

  private enum GateTimeout implements Command { INSTANCE }

  private enum DrainTick implements Command { INSTANCE }

  private enum DrainTimeout implements Command { INSTANCE }

  private enum EngineStopped implements Command { INSTANCE }

  private enum Released implements Command { INSTANCE }

  /** What the app hears from one of its generations. */
  sealed interface Report {
    ActorRef<Command> from();
  }

  /** It may serve: the route to put in the traffic, with what it spooled (for info). */
  record Ready(ActorRef<Command> from, Spooled spooled, Traffic.Route route, int active) implements Report {}

  /** It failed to spool or to pass the gate; it gives back what it holds, then stops. */
  record Failed(ActorRef<Command> from, Spooled spooled, CocaineException cause) implements Report {}

  /** Its count of active workers changed (drives the app's publication). */
  record Active(ActorRef<Command> from, int active) implements Report {}

  /** Its engine stopped while it served. */
  record Died(ActorRef<Command> from, CocaineException cause) implements Report {}

  /** How often a draining generation looks at its open channels. */
  private static final Duration DRAIN_CHECK = Duration.ofMillis(50);

  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final AppHost host;
  private final String app;
  private final Share share;
  private final ActorRef<Report> parent;

  private Generation(ActorContext<Command> ctx, TimerScheduler<Command> timers, AppHost host, String app, Share share,
      ActorRef<Report> parent) {
    this.ctx = ctx;
    this.timers = timers;
    this.host = host;
    this.app = app;
    this.share = share;
    this.parent = parent;
  }

  /**
   * @param slot  its side-by-side slot (0: the app's own folder and pipe)
   * @param gated pass the health gate before {@link Ready} (else ready once the engine runs)
   */
  static Behavior<Command> create(AppHost host, String app, Share share, int slot, boolean gated,
      ActorRef<Report> parent) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      ctx.pipeToSelf(Spooled.spool(host, app, share, slot, ctx.getSystem(), Prepared::new),
          (p, e) -> e == null ? p : new Prepared(Spooled.NONE, e));
      return new Generation(ctx, timers, host, app, share, parent).spooling(gated);
    }));
  }

  private Behavior<Command> spooling(boolean gated) {
    return Behaviors.receive(Command.class)
        .onMessage(Prepared.class, m -> m.failure() == null ? start(m.spooled(), gated)
            : failed(m.spooled(), null, AppErrors.asCocaine(m.failure())))
        .onMessage(Retire.class, m -> failed(Spooled.NONE, null, AppErrors.withdrawn(app, share.version()), List.of(m.replyTo()), false))
        .onMessage(Describe.class, m -> reply(m.replyTo(), Map.of()))
        .build();
  }

  private Behavior<Command> start(Spooled spooled, boolean gated) {
    Optional<HealthCheck> health;
    try {
      health = HealthCheck.of(app, spooled.manifest());
    } catch (CocaineException e) {
      return failed(spooled, null, e, List.of(), gated);
    }
    var slots = new SlotSettings(app, spooled.profile(), spooled.isolate(), spooled.pipe(),
        host.config().locatorArgument(), spooled.manifest().environment(), host.storage());
    ActorRef<Engine.Command> engine = ctx.spawn(Engine.create(slots, ctx.messageAdapter(Engine.ActiveWorkers.class,
        a -> new ActiveChanged(a.active()))), "engine");
    ctx.watchWith(engine, EngineStopped.INSTANCE);
    var route = new Traffic.Route(share.version(), spooled.profile(), engine, share.weight(), new AtomicInteger());
    if (!gated) {
      parent.tell(new Ready(ctx.getSelf(), spooled, route, 0));
      return serving(spooled, route);
    }
    Duration deadline = host.config().rollover().healthDeadline();
    timers.startSingleTimer(GateTimeout.INSTANCE, deadline);
    engine.tell(new Engine.Pin(1)); // one worker even when the pool spawns on demand
    ctx.getLog().info("app [{}] version [{}]: waiting for a worker{} (health deadline {})", app, share.version(),
        health.map(h -> " and health event [" + h.event() + "]").orElse(""), deadline);
    return gating(spooled, route, health, false);
  }

  // Waiting for a worker's handshake, then for the health event's answer.
  private Behavior<Command> gating(Spooled spooled, Traffic.Route route, Optional<HealthCheck> health, boolean probing) {
    return Behaviors.receive(Command.class)
        .onMessage(ActiveChanged.class, m -> {
          if (m.active() < 1 || probing) {
            return Behaviors.same();
          }
          if (health.isEmpty()) {
            return healthy(spooled, route, m.active());
          }
          ctx.pipeToSelf(health.get().probe(route.engine(), host.config().connection().channelBuffer(),
              ctx.getSystem()), (d, e) -> new Probed(e));
          return gating(spooled, route, health, true);
        })
        .onMessage(Probed.class, m -> m.failure() == null ? healthy(spooled, route, 1)
            : failed(spooled, route, AppErrors.notHealthy(app, share.version(), health.get().event(), m.failure())))
        .onMessage(GateTimeout.class, m -> failed(spooled, route, AppErrors.notHealthyWithin(app, share.version(),
            host.config().rollover().healthDeadline(), probing ? health.get().event() : null)))
        .onMessage(EngineStopped.class, m -> failed(spooled, null, AppErrors.engineDied(app, share.version())))
        .onMessage(Retire.class, m -> failed(spooled, route, AppErrors.withdrawn(app, share.version()), List.of(m.replyTo()), m.discard()))
        .onMessage(Describe.class, m -> describe(route, m))
        .build();
  }

  private Behavior<Command> healthy(Spooled spooled, Traffic.Route route, int active) {
    timers.cancel(GateTimeout.INSTANCE);
    route.engine().tell(new Engine.Pin(0));
    ctx.getLog().info("app [{}] version [{}] is healthy", app, share.version());
    parent.tell(new Ready(ctx.getSelf(), spooled, route, active));
    return serving(spooled, route);
  }

  private Behavior<Command> serving(Spooled spooled, Traffic.Route route) {
    return Behaviors.receive(Command.class)
        .onMessage(ActiveChanged.class, m -> {
          parent.tell(new Active(ctx.getSelf(), m.active()));
          return Behaviors.same();
        })
        .onMessage(EngineStopped.class, m -> {
          parent.tell(new Died(ctx.getSelf(), AppErrors.engineDied(app, share.version())));
          return release(spooled, null, List.of(), false);
        })
        .onMessage(Retire.class, m -> !m.drain() ? drained(spooled, route, List.of(m.replyTo()), m.discard())
            : drain(spooled, route, m))
        .onMessage(Describe.class, m -> describe(route, m))
        .onMessage(Probed.class, m -> Behaviors.same())
        .build();
  }

  private Behavior<Command> drain(Spooled spooled, Traffic.Route route, Retire m) {
    timers.startTimerWithFixedDelay(DrainTick.INSTANCE, DRAIN_CHECK);
    timers.startSingleTimer(DrainTimeout.INSTANCE, host.config().rollover().drain());
    ctx.getSelf().tell(DrainTick.INSTANCE);
    return draining(spooled, route, List.of(m.replyTo()), m.discard());
  }

  // Out of the traffic: the channels open on it finish, up to the drain timeout.
  private Behavior<Command> draining(Spooled spooled, Traffic.Route route, List<ActorRef<Done>> waiting,
      boolean discard) {
    return Behaviors.receive(Command.class)
        .onMessage(DrainTick.class, m -> route.inFlight().get() > 0 ? Behaviors.same()
            : drained(spooled, route, waiting, discard))
        .onMessage(DrainTimeout.class, m -> {
          ctx.getLog().warn("app [{}] version [{}]: [{}] channels still open after the drain timeout {}; stopping",
              app, share.version(), route.inFlight().get(), host.config().rollover().drain());
          return drained(spooled, route, waiting, discard);
        })
        .onMessage(Retire.class, m -> m.drain() ? draining(spooled, route, App.with(waiting, List.of(m.replyTo())),
            discard && m.discard()) : drained(spooled, route, App.with(waiting, List.of(m.replyTo())),
            discard && m.discard()))
        .onMessage(EngineStopped.class, m -> release(spooled, null, waiting, discard))
        .onMessage(Describe.class, m -> describe(route, m))
        .onAnyMessage(m -> Behaviors.same())
        .build();
  }

  private Behavior<Command> drained(Spooled spooled, Traffic.Route route, List<ActorRef<Done>> waiting,
      boolean discard) {
    timers.cancelAll();
    ctx.getLog().info("app [{}] version [{}] drained; stopping it", app, share.version());
    return release(spooled, route.engine(), waiting, discard);
  }

  // A version that failed to spool or its health gate is given up: its spool folder goes too.
  private Behavior<Command> failed(Spooled spooled, Traffic.Route route, CocaineException cause) {
    return failed(spooled, route, cause, List.of(), true);
  }

  private Behavior<Command> failed(Spooled spooled, Traffic.Route route, CocaineException cause,
      List<ActorRef<Done>> waiting, boolean discard) {
    timers.cancelAll();
    ctx.getLog().warn("app [{}] version [{}]: {}", app, share.version(), cause.getMessage());
    parent.tell(new Failed(ctx.getSelf(), spooled, cause));
    return release(spooled, route == null ? null : route.engine(), waiting, discard);
  }

  /**
   * Stops the engine (when there is one), closes the pipe and the isolate, removes the spool folder
   * when {@code discard}, then stops.
   */
  private Behavior<Command> release(Spooled spooled, ActorRef<Engine.Command> engine, List<ActorRef<Done>> waiting,
      boolean discard) {
    CompletionStage<Done> stopped = CompletableFuture.completedFuture(Done.getInstance());
    if (engine != null) {
      ctx.unwatch(engine);
      Duration limit = spooled.profile().timeouts().terminate().plus(Holdings.ENGINE_STOP_MARGIN);
      stopped = AskPattern.<Engine.Command, Done>ask(engine, Engine.Stop::new, limit, ctx.getSystem().scheduler())
          .exceptionally(e -> Done.getInstance());
    }
    ctx.pipeToSelf(stopped.thenApplyAsync(d -> {
      if (spooled.pipe() != null) {
        spooled.pipe().close();
      }
      if (spooled.isolate() != null) {
        spooled.isolate().close();
        if (discard) {
          spooled.isolate().discard();
        }
      }
      return d;
    }, host.blocking()), (d, e) -> Released.INSTANCE);
    return releasing(waiting);
  }

  private Behavior<Command> releasing(List<ActorRef<Done>> waiting) {
    return Behaviors.receive(Command.class)
        .onMessage(Released.class, m -> {
          waiting.forEach(r -> r.tell(Done.getInstance()));
          return Behaviors.stopped();
        })
        .onMessage(Retire.class, m -> releasing(App.with(waiting, List.of(m.replyTo()))))
        .onMessage(Describe.class, m -> reply(m.replyTo(), Map.of()))
        .onAnyMessage(m -> Behaviors.same())
        .build();
  }

  private Behavior<Command> describe(Traffic.Route route, Describe m) {
    route.engine().tell(new Engine.Describe(m.replyTo()));
    return Behaviors.same();
  }

  private static <T> Behavior<Command> reply(ActorRef<T> to, T value) {
    to.tell(value);
    return Behaviors.same();
  }
}
