package cocaine.node.engine;

import cocaine.model.Profile;
import cocaine.node.engine.Ledger.SlotState;
import cocaine.node.engine.Ledger.SlotView;
import cocaine.node.slot.Session;
import cocaine.node.slot.Slot;
import cocaine.node.slot.SlotSettings;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * One app's queue and worker pool (docs/protocol.md 3.6): admits enqueued sessions against
 * queue-limit (refusing at once when full), assigns each to the least-loaded active slot below
 * concurrency or queues it FIFO, expires queued sessions at their request-timeout, grows the pool
 * lazily with the queue, respawns after crashes with back-off, reaps idle workers and keeps a pinned
 * size when {@code control} asks. With the profile's {@code publish-on} above 0 it keeps that many
 * workers from the start, and tells its app how many are active whenever that changes. Its policies
 * are {@link Admission}, {@link Growth} and {@link Backoff}; its bookkeeping is the {@link Ledger}.
 */
public final class Engine {
  /** What the app and its services ask of the engine. */
  public sealed interface Command {}

  /** Serve this session; it is refused with an error at once when the queue is full. */
  public record Enqueue(Session session) implements Command {}

  /** Keep exactly {@code workers} workers (control); 0 or less goes back to automatic sizing. */
  public record Pin(int workers) implements Command {}

  /** The {@code queue}, {@code pool} and {@code requests} parts of the app's info map. */
  public record Describe(ActorRef<Map<String, Object>> replyTo) implements Command {}

  /** Fail queued sessions, terminate every worker, reply when they are gone, then stop. */
  public record Stop(ActorRef<Done> replyTo) implements Command {}

  private record SlotReported(Slot.Report report) implements Command {}

  private record SlotStopped(String uuid) implements Command {}

  private record Expire(long sessionId) implements Command {}

  private enum SpawnTick implements Command { INSTANCE }

  private record IdleTimeout(String uuid) implements Command {}

  private record ExpireKey(long sessionId) {}

  private record IdleKey(String uuid) {}

  private static final Object SPAWN_TIMER = "spawn";

  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final Profile profile;
  private final Growth growth;
  private final Admission admission;
  private final String app;
  private final ActorRef<Slot.Report> reports;
  private final ActorRef<ActiveWorkers> activeWorkers;
  private final Slots slots;

  /** The number of active (handshaken, not sealing) workers changed. */
  public record ActiveWorkers(int active) {}

  /** Makes one slot's behaviour; the engine's unit tests give fake slots that send the same reports. */
  @FunctionalInterface
  interface Slots {
    Behavior<Slot.Command> create(String uuid, ActorRef<Slot.Report> reports);
  }

  private Engine(ActorContext<Command> ctx, TimerScheduler<Command> timers, SlotSettings settings,
      ActorRef<ActiveWorkers> activeWorkers, Slots slots) {
    this.ctx = ctx;
    this.timers = timers;
    this.profile = settings.profile();
    this.growth = new Growth(profile.poolLimit(), profile.growThreshold(), profile.publishOn());
    this.admission = new Admission(profile.queueLimit(), profile.poolLimit(), profile.concurrency());
    this.app = settings.app();
    this.reports = ctx.messageAdapter(Slot.Report.class, SlotReported::new);
    this.activeWorkers = activeWorkers;
    this.slots = slots;
  }

  public static Behavior<Command> create(SlotSettings settings) {
    return create(settings, null);
  }

  /** @param activeWorkers hears the active worker count at start and on every change; may be null */
  public static Behavior<Command> create(SlotSettings settings, ActorRef<ActiveWorkers> activeWorkers) {
    return create(settings, activeWorkers, (uuid, reports) -> Slot.create(settings, uuid, reports));
  }

  static Behavior<Command> create(SlotSettings settings, ActorRef<ActiveWorkers> activeWorkers, Slots slots) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      Engine engine = new Engine(ctx, timers, settings, activeWorkers, slots);
      Ledger pool = new Ledger();
      engine.grow(pool); // spawns publish-on workers at once (nothing when it is 0) and tells the count
      return engine.running(pool);
    }));
  }

  private void tellActive(Ledger pool) {
    int active = pool.activeToTell();
    if (activeWorkers != null && active >= 0) {
      activeWorkers.tell(new ActiveWorkers(active));
    }
  }

  private Behavior<Command> running(Ledger pool) {
    return Behaviors.receive(Command.class)
        .onMessage(Enqueue.class, m -> onEnqueue(pool, m.session()))
        .onMessage(SlotReported.class, m -> onReport(pool, m.report()))
        .onMessage(Expire.class, m -> onExpire(pool, m.sessionId()))
        .onMessage(SpawnTick.class, m -> grow(pool))
        .onMessage(IdleTimeout.class, m -> onIdle(pool, m.uuid()))
        .onMessage(Pin.class, m -> onPin(pool, m.workers()))
        .onMessage(Describe.class, m -> describe(pool, m.replyTo()))
        .onMessage(SlotStopped.class, m -> onSlotStopped(pool, m.uuid()))
        .onMessage(Stop.class, m -> stopping(pool, m.replyTo()))
        .build();
  }

  // Every worker was asked to exit; the engine stops once the last one is gone.
  private Behavior<Command> stopping(Ledger pool, ActorRef<Done> replyTo) {
    CocaineException stopped = new CocaineException(ErrorCode.NOT_RUNNING, "app '" + app + "' is stopping");
    pool.queue.forEach(s -> s.fail(stopped));
    pool.queue.clear();
    timers.cancelAll();
    for (SlotView s : pool.slots.values()) {
      s.ref.tell(new Slot.Terminate(ErrorCode.OVERSEER_SHUTDOWNING, "overseer is shutting down"));
      s.state = SlotState.TERMINATING;
    }
    if (pool.slots.isEmpty()) {
      replyTo.tell(Done.getInstance());
      return Behaviors.stopped();
    }
    return Behaviors.receive(Command.class)
        .onMessage(Enqueue.class, m -> refuse(m.session(), stopped))
        .onMessage(SlotReported.class, m -> onReportWhileStopping(pool, m.report(), stopped, replyTo))
        .onMessage(SlotStopped.class, m -> forgetWhileStopping(pool, m.uuid(), replyTo))
        .onMessage(Describe.class, m -> describe(pool, m.replyTo()))
        .onAnyMessage(m -> Behaviors.same())
        .build();
  }

  private Behavior<Command> onEnqueue(Ledger pool, Session session) {
    if (pool.queue.isEmpty()) {
      Optional<SlotView> slot = pool.leastLoaded(profile.concurrency());
      if (slot.isPresent()) {
        pool.accepted++;
        pool.throughput.mark(System.nanoTime());
        assign(slot.get(), session);
        return Behaviors.same();
      }
    }
    if (!admission.admits(pool.queue.size(), pool.load())) {
      pool.rejected++;
      ctx.getLog().warn("app [{}]: refused [{}]: queue is full ([{}] of queue-limit [{}])", app, session.event(),
          pool.queue.size(), profile.queueLimit());
      session.fail(admission.refusal(app, pool.queue.size()));
      return Behaviors.same();
    }
    pool.accepted++;
    pool.throughput.mark(System.nanoTime());
    queue(pool, session, false);
    dispatch(pool);
    return grow(pool);
  }

  private void queue(Ledger pool, Session session, boolean first) {
    if (first) {
      pool.queue.addFirst(session);
    } else {
      pool.queue.addLast(session);
    }
    session.trace().queued(pool.queue.size());
    long left = session.deadlineNanos() - System.nanoTime();
    timers.startSingleTimer(new ExpireKey(session.id()), new Expire(session.id()), Duration.ofNanos(Math.max(0, left)));
  }

  /** Hands queued sessions to free slots, oldest first; drops sessions whose client left. */
  private void dispatch(Ledger pool) {
    while (!pool.queue.isEmpty()) {
      Session head = pool.queue.peekFirst();
      if (head.isClientGone()) {
        pool.queue.pollFirst();
        timers.cancel(new ExpireKey(head.id()));
        continue;
      }
      Optional<SlotView> slot = pool.leastLoaded(profile.concurrency());
      if (slot.isEmpty()) {
        return;
      }
      pool.queue.pollFirst();
      timers.cancel(new ExpireKey(head.id()));
      assign(slot.get(), head);
    }
  }

  private void assign(SlotView slot, Session session) {
    slot.load++;
    slot.accepted++;
    timers.cancel(new IdleKey(slot.uuid));
    session.trace().assigned(slot.uuid, session.enqueuedNanos());
    slot.ref.tell(new Slot.Invoke(session));
  }

  private Behavior<Command> grow(Ledger pool) {
    int toSpawn = growth.toSpawn(pool.queue.size(), pool.pinned, pool.live());
    if (toSpawn > 0) {
      Duration wait = pool.backoff.delayAt(System.nanoTime());
      if (!wait.isZero()) {
        if (!timers.isTimerActive(SPAWN_TIMER)) {
          ctx.getLog().info("app [{}]: next worker in [{}] ms (back-off after crashes)", app, wait.toMillis());
          timers.startSingleTimer(SPAWN_TIMER, SpawnTick.INSTANCE, wait);
        }
      } else {
        for (int i = 0; i < toSpawn; i++) {
          spawn(pool);
        }
      }
    }
    shrinkToPin(pool);
    tellActive(pool);
    return Behaviors.same();
  }

  private void spawn(Ledger pool) {
    String uuid = UUID.randomUUID().toString();
    ActorRef<Slot.Command> ref = ctx.spawn(
        Behaviors.supervise(slots.create(uuid, reports)).onFailure(SupervisorStrategy.stop()), "slot:" + uuid);
    ctx.watchWith(ref, new SlotStopped(uuid));
    pool.slots.put(uuid, new SlotView(uuid, ref, System.nanoTime()));
    pool.spawned++;
    ctx.getLog().debug("app [{}]: spawning worker [{}] ([{}] live, pool-limit [{}])", app, uuid, pool.live(),
        profile.poolLimit());
  }

  /** With a pinned size, extra workers are sealed (they finish their channels) or cancelled. */
  private void shrinkToPin(Ledger pool) {
    if (pool.pinned <= 0) {
      return;
    }
    int extra = pool.live() - growth.target(0, pool.pinned);
    if (extra <= 0) {
      return;
    }
    for (SlotView s : pool.toSeal(extra)) {
      s.ref.tell(Slot.Seal.INSTANCE);
      s.state = SlotState.SEALING;
      timers.cancel(new IdleKey(s.uuid));
    }
  }

  private Behavior<Command> onReport(Ledger pool, Slot.Report report) {
    SlotView slot = pool.slots.get(report.uuid());
    if (slot == null) {
      return Behaviors.same();
    }
    if (report instanceof Slot.Activated) {
      if (slot.state == SlotState.SPAWNING) {
        slot.state = SlotState.ACTIVE;
      }
      slot.activeSinceNanos = System.nanoTime();
      idleIfUnused(slot);
    } else if (report instanceof Slot.ChannelsFinished f) {
      slot.load -= f.count();
      f.tookNanos().forEach(pool.throughput::took);
      idleIfUnused(slot);
    } else if (report instanceof Slot.Returned r) {
      slot.load--;
      if (!r.session().isClientGone()) {
        queue(pool, r.session(), true);
      }
    } else if (report instanceof Slot.Died d) {
      onDied(pool, slot, d);
    }
    dispatch(pool);
    return grow(pool);
  }

  private void onDied(Ledger pool, SlotView slot, Slot.Died died) {
    pool.slots.remove(slot.uuid);
    timers.cancel(new IdleKey(slot.uuid));
    slot.ref.tell(Slot.Forget.INSTANCE);
    if (!died.abnormal()) {
      return;
    }
    pool.crashed(System.nanoTime());
    boolean othersMayServe = pool.slots.values().stream().anyMatch(SlotView::live);
    if (!died.activated() && !othersMayServe && !pool.queue.isEmpty()) {
      // a worker that cannot even start: tell the waiting clients why instead of leaving them hanging
      ctx.getLog().warn("app [{}]: failing [{}] queued events: {}", app, pool.queue.size(), died.cause().getMessage());
      pool.queue.forEach(s -> {
        timers.cancel(new ExpireKey(s.id()));
        s.fail(died.cause());
      });
      pool.queue.clear();
    }
  }

  private Behavior<Command> onReportWhileStopping(Ledger pool, Slot.Report report, CocaineException stopped,
      ActorRef<Done> replyTo) {
    SlotView slot = pool.slots.get(report.uuid());
    if (slot == null) {
      return Behaviors.same();
    }
    if (report instanceof Slot.Returned r) {
      r.session().fail(stopped);
    } else if (report instanceof Slot.Died) {
      pool.slots.remove(slot.uuid);
      slot.ref.tell(Slot.Forget.INSTANCE);
    }
    return stoppedWhenEmpty(pool, replyTo);
  }

  private Behavior<Command> forgetWhileStopping(Ledger pool, String uuid, ActorRef<Done> replyTo) {
    pool.slots.remove(uuid);
    return stoppedWhenEmpty(pool, replyTo);
  }

  private static Behavior<Command> stoppedWhenEmpty(Ledger pool, ActorRef<Done> replyTo) {
    if (pool.slots.isEmpty()) {
      replyTo.tell(Done.getInstance());
      return Behaviors.stopped();
    }
    return Behaviors.same();
  }

  private Behavior<Command> onSlotStopped(Ledger pool, String uuid) {
    SlotView slot = pool.slots.remove(uuid);
    if (slot != null) {
      // only a bug in the slot gets here: it stopped without reporting its death
      ctx.getLog().error("app [{}]: worker slot [{}] stopped unexpectedly with load [{}]", app, uuid, slot.load);
      pool.crashed(System.nanoTime());
    }
    return grow(pool);
  }

  private Behavior<Command> onExpire(Ledger pool, long sessionId) {
    pool.unqueue(sessionId).ifPresent(s -> s.fail(new CocaineException(ErrorCode.DEADLINE, "app '" + app
        + "': the event '" + s.event() + "' has expired in the queue (request-timeout)")));
    return Behaviors.same();
  }

  private void idleIfUnused(SlotView slot) {
    Duration idle = profile.timeouts().idle();
    if (slot.state == SlotState.ACTIVE && slot.load == 0 && !idle.isZero()) {
      timers.startSingleTimer(new IdleKey(slot.uuid), new IdleTimeout(slot.uuid), idle);
    }
  }

  private Behavior<Command> onIdle(Ledger pool, String uuid) {
    SlotView slot = pool.slots.get(uuid);
    if (slot == null || slot.state != SlotState.ACTIVE || slot.load > 0 || pool.pinned > 0
        || pool.count(SlotState.ACTIVE) <= profile.publishOn()) {
      return Behaviors.same();
    }
    ctx.getLog().debug("app [{}]: worker [{}] idle for idle-timeout, terminating it", app, uuid);
    slot.ref.tell(new Slot.Terminate(ErrorCode.SLAVE_IDLE, "slave is idle"));
    slot.state = SlotState.TERMINATING;
    tellActive(pool);
    return Behaviors.same();
  }

  private Behavior<Command> onPin(Ledger pool, int workers) {
    pool.pinned = Math.max(0, workers);
    if (workers > profile.poolLimit()) {
      ctx.getLog().warn("app [{}]: control asked for [{}] workers; keeping pool-limit [{}]", app, workers,
          profile.poolLimit());
    }
    return grow(pool);
  }

  private static Behavior<Command> refuse(Session session, CocaineException cause) {
    session.fail(cause);
    return Behaviors.same();
  }

  private Behavior<Command> describe(Ledger pool, ActorRef<Map<String, Object>> replyTo) {
    replyTo.tell(pool.info(profile, System.nanoTime()));
    return Behaviors.same();
  }
}
