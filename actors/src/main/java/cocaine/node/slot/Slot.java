package cocaine.node.slot;

import cocaine.model.Profile;
import cocaine.node.isolate.Isolate;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * One worker process of an app (docs/protocol.md 3): spawns it, waits for its handshake on the app's
 * pipe, answers its heartbeats at once, streams the sessions the engine assigns to it over channels
 * 2, 3, ..., and reaps it. States: spawning -> handshaking -> active -> sealing -> terminating ->
 * gone; any state may end in gone when the worker dies or misses a timeout. A dead slot fails its
 * open sessions with the cause, writes a crashlog of the worker's last output, reports
 * {@link Died} and waits for the engine's {@link Forget} before it stops, so no session sent to it
 * is ever lost. How a life ends is an {@link Ending}, the open sessions are the {@link WorkerLink}'s,
 * and the timeouts are kept by {@link SlotTimers}.
 */
public final class Slot {
  /** What the engine asks of a slot. */
  public sealed interface Command {}

  /** Serve this session on a new channel; the engine already counted it in the slot's load. */
  public record Invoke(Session session) implements Command {}

  /** Take no new sessions; terminate the worker once its channels end (or after seal-timeout). */
  public enum Seal implements Command { INSTANCE }

  /** Ask the worker to exit ({@code [1, 1, [code, reason]]}), kill it after terminate-timeout. */
  public record Terminate(ErrorCode code, String reason) implements Command {}

  /** The engine has taken the slot out of its pool after {@link Died}: stop. */
  public enum Forget implements Command { INSTANCE }

  /** The app's pipe accepted this worker's handshake. */
  record Connected(WorkerConnection connection) implements Command {}

  private record Spawned(Isolate.Worker worker) implements Command {}

  private record SpawnFailed(Throwable cause) implements Command {}

  private record Exited(int code) implements Command {}

  private record TimedOut(CocaineException cause) implements Command {}

  private enum KillNow implements Command { INSTANCE }

  private enum SealExpired implements Command { INSTANCE }

  /** A frame of the worker's control channel. */
  private record PipeControl(Frame frame) implements Command {}

  /** The pipe ended these invocation channels both ways. */
  private record ChannelsDone(List<Long> channels) implements Command {}

  /** The pipe waits for a client that does not read (the worker is not to blame meanwhile), or reads on. */
  private record Stalled(boolean stalled) implements Command {}

  private record InboundEnded(Optional<Throwable> failure) implements Command {}

  /** The earliest request deadline of the open channels may have passed. */
  private enum DeadlinesDue implements Command { INSTANCE }

  /** What a slot tells its engine, in the order it happens. */
  public sealed interface Report {
    String uuid();
  }

  /** The worker shook hands and takes sessions. */
  public record Activated(String uuid, long pid) implements Report {}

  /**
   * Channels ended in both directions: the slot's load dropped by {@code count}; {@code tookNanos}
   * the time from enqueue to the end of each one that reached the worker (for node.info's timings).
   */
  public record ChannelsFinished(String uuid, int count, List<Long> tookNanos) implements Report {
    public ChannelsFinished {
      tookNanos = List.copyOf(tookNanos);
    }

    /** Channels that never reached the worker: nothing to time. */
    public ChannelsFinished(String uuid, int count) {
      this(uuid, count, List.of());
    }
  }

  /** A session the slot could not take (it is sealing or dead); the engine queues it again. */
  public record Returned(String uuid, Session session) implements Report {}

  /**
   * The worker is gone and its sessions were failed with {@code cause}.
   *
   * @param abnormal the runtime did not ask for it: counts as a crash (respawn back-off)
   * @param activated the worker had shaken hands before it died
   */
  public record Died(String uuid, CocaineException cause, boolean abnormal, boolean activated) implements Report {}

  private static final int STASH = 8;

  private enum State { ACTIVE, SEALING, TERMINATING }

  private final ActorContext<Command> ctx;
  private final SlotTimers timers;
  private final StashBuffer<Command> stash;
  private final SlotSettings settings;
  private final Profile.Timeouts timeouts;
  private final String uuid;
  private final ActorRef<Report> reports;
  private final String who;

  private Slot(ActorContext<Command> ctx, TimerScheduler<Command> timers, StashBuffer<Command> stash,
      SlotSettings settings, String uuid, ActorRef<Report> reports) {
    this.ctx = ctx;
    this.stash = stash;
    this.settings = settings;
    this.timeouts = settings.profile().timeouts();
    this.uuid = uuid;
    this.reports = reports;
    this.who = "app '" + settings.app() + "': worker " + uuid;
    this.timers = new SlotTimers(timers, timeouts.heartbeat(), timeout(ErrorCode.HEARTBEAT_TIMEOUT, "sent no heartbeat",
        "heartbeat-timeout", timeouts.heartbeat()), DeadlinesDue.INSTANCE);
  }

  /** A slot that starts its worker at once. */
  public static Behavior<Command> create(SlotSettings settings, String uuid, ActorRef<Report> reports) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> Behaviors.withStash(STASH,
        stash -> new Slot(ctx, timers, stash, settings, uuid, reports).spawning())));
  }

  // Waiting for the isolate to start the process; a fast worker may connect before we hear of it.
  private Behavior<Command> spawning() {
    settings.pipe().expect(uuid, ctx.getSelf());
    timers.state(timeout(ErrorCode.SPAWN_TIMEOUT, "was not started", "spawn-timeout", timeouts.spawn()),
        timeouts.spawn());
    ctx.pipeToSelf(settings.isolate().spawn(settings.workerArguments(uuid), settings.environment()),
        (worker, e) -> e == null ? new Spawned(worker) : new SpawnFailed(e));
    return Behaviors.receive(Command.class)
        .onMessage(Spawned.class, m -> handshaking(m.worker()))
        .onMessage(SpawnFailed.class, m -> gone(Optional.empty(), List.of(), Ending.spawnFailed(who, m.cause())))
        .onMessage(Connected.class, this::stashConnected)
        .onMessage(TimedOut.class, m -> cancelling(Ending.crashed(m.cause())))
        .onMessage(Terminate.class, m -> cancelling(Ending.terminated(who, m.code(), m.reason())))
        .onMessage(Seal.class, m -> cancelling(Ending.sealedBeforeStart(who)))
        .onMessage(Invoke.class, this::giveBack)
        .build();
  }

  // Spawn-timeout or a terminate came first: the process, if it starts, is killed at once.
  private Behavior<Command> cancelling(Ending ending) {
    return Behaviors.receive(Command.class)
        .onMessage(Spawned.class, m -> killed(m.worker(), Optional.empty(), ending))
        .onMessage(SpawnFailed.class, m -> gone(Optional.empty(), List.of(), ending))
        .onMessage(Connected.class, m -> refuse(m.connection()))
        .onMessage(Invoke.class, this::giveBack)
        .build();
  }

  // The process runs; its handshake must reach the pipe within handshake-timeout.
  private Behavior<Command> handshaking(Isolate.Worker worker) {
    timers.state(timeout(ErrorCode.ACTIVATE_TIMEOUT, "sent no handshake", "handshake-timeout", timeouts.handshake()),
        timeouts.handshake());
    ctx.pipeToSelf(worker.exit(), (code, e) -> new Exited(code == null ? -1 : code));
    return stash.unstashAll(Behaviors.receive(Command.class)
        .onMessage(Connected.class, m -> attach(worker, m.connection()))
        .onMessage(Exited.class, m -> gone(Optional.empty(), worker.output(), Ending.exitedBeforeHandshake(who, m.code())))
        .onMessage(TimedOut.class, m -> killed(worker, Optional.empty(), Ending.crashed(m.cause())))
        .onMessage(Terminate.class, m -> killed(worker, Optional.empty(), Ending.terminated(who, m.code(), m.reason())))
        .onMessage(Seal.class, m -> killed(worker, Optional.empty(), Ending.sealedBeforeStart(who)))
        .onMessage(Invoke.class, this::giveBack)
        .build());
  }

  private Behavior<Command> attach(Isolate.Worker worker, WorkerConnection connection) {
    ActorRef<Command> self = ctx.getSelf();
    connection.pipe().start(new PipeStage.Listener() {
      @Override
      public void control(Frame frame) {
        self.tell(new PipeControl(frame));
      }

      @Override
      public void channelsFinished(List<Long> channels) {
        self.tell(new ChannelsDone(channels));
      }

      @Override
      public void stalled(boolean stalled) {
        self.tell(new Stalled(stalled));
      }

      @Override
      public void closed(Optional<Throwable> failure) {
        self.tell(new InboundEnded(failure));
      }
    });
    timers.stateEnded();
    ctx.getLog().debug("{} (pid {}) shook hands", who, worker.pid());
    reports.tell(new Activated(uuid, worker.pid()));
    return active(new WorkerLink(worker, connection));
  }

  // Takes sessions; the worker must heartbeat within heartbeat-timeout.
  private Behavior<Command> active(WorkerLink link) {
    timers.heartbeat();
    return connected(link, State.ACTIVE, Behaviors.receive(Command.class)
        .onMessage(Invoke.class, m -> onInvoke(link, m.session()))
        .onMessage(Seal.class, m -> sealing(link))
        .onMessage(Terminate.class, m -> terminating(link, m.code(), m.reason())));
  }

  // No new sessions; the worker is terminated when its last channel ends or seal-timeout passes.
  private Behavior<Command> sealing(WorkerLink link) {
    if (!link.hasOpenChannels()) {
      return terminating(link, ErrorCode.SLAVE_IS_SEALING, "slave is sealing");
    }
    timers.state(SealExpired.INSTANCE, timeouts.seal());
    return connected(link, State.SEALING, Behaviors.receive(Command.class)
        .onMessage(Invoke.class, this::giveBack)
        .onMessage(Seal.class, m -> Behaviors.same())
        .onMessage(SealExpired.class, m -> terminating(link, ErrorCode.SEAL_TIMEOUT, "slave has not finished within seal-timeout"))
        .onMessage(Terminate.class, m -> terminating(link, m.code(), m.reason())));
  }

  // The worker was asked to exit; its open channels may still finish until terminate-timeout.
  private Behavior<Command> terminating(WorkerLink link, ErrorCode code, String reason) {
    Ending ending = Ending.terminated(who, code, reason);
    if (!link.sendControl(1, (long) code.code(), reason)) {
      ctx.getLog().warn("{}: its control channel is full, terminate not sent; killing it", who);
      return killed(link.worker, Optional.of(link), ending);
    }
    timers.state(KillNow.INSTANCE, timeouts.terminate());
    return connected(link, State.TERMINATING, Behaviors.receive(Command.class)
        .onMessage(Invoke.class, this::giveBack)
        .onMessage(Seal.class, m -> Behaviors.same())
        .onMessage(Terminate.class, m -> Behaviors.same())
        .onMessage(KillNow.class, m -> killed(link.worker, Optional.of(link), ending))
        .onMessage(TimedOut.class, m -> killed(link.worker, Optional.of(link), ending))
        .onMessage(Exited.class, m -> gone(Optional.of(link), link.worker.output(), ending))
        .onMessage(InboundEnded.class, m -> exiting(link.worker, Optional.of(link), ending)));
  }

  /** What every state with a live pipe does: control frames, channel ends, stalls, death. */
  private Behavior<Command> connected(WorkerLink link, State state, BehaviorBuilder<Command> builder) {
    return builder
        .onMessage(PipeControl.class, m -> onControl(link, m.frame()))
        .onMessage(ChannelsDone.class, m -> onChannelsDone(link, state, m.channels()))
        .onMessage(Stalled.class, m -> onStalled(m.stalled()))
        .onMessage(DeadlinesDue.class, m -> onDeadlines(link))
        .onMessage(InboundEnded.class, m -> exiting(link.worker, Optional.of(link), Ending.PIPE_CLOSED))
        .onMessage(Exited.class, m -> gone(Optional.of(link), link.worker.output(), Ending.died(who, m.code())))
        .onMessage(TimedOut.class, m -> killed(link.worker, Optional.of(link), Ending.crashed(m.cause())))
        .onMessage(Connected.class, m -> refuse(m.connection()))
        .build();
  }

  private Behavior<Command> killed(Isolate.Worker worker, Optional<WorkerLink> link, Ending ending) {
    worker.kill();
    return exiting(worker, link, ending);
  }

  // The worker is on its way out (killed, or it closed its pipe): wait for its exit code.
  private Behavior<Command> exiting(Isolate.Worker worker, Optional<WorkerLink> link, Ending ending) {
    timers.pauseHeartbeat();
    timers.state(KillNow.INSTANCE, timeouts.terminate());
    ctx.pipeToSelf(worker.exit(), (code, e) -> new Exited(code == null ? -1 : code));
    return Behaviors.receive(Command.class)
        .onMessage(Exited.class, m -> gone(link, worker.output(), ending.withExitCode(who, m.code())))
        .onMessage(KillNow.class, m -> {
          worker.kill();
          return Behaviors.same();
        })
        .onMessage(Invoke.class, this::giveBack)
        .onMessage(Connected.class, m -> refuse(m.connection()))
        .onAnyMessage(m -> Behaviors.same())
        .build();
  }

  // Dead: every open session failed, the engine told; waits for Forget so nothing sent here is lost.
  private Behavior<Command> gone(Optional<WorkerLink> link, List<String> output, Ending ending) {
    timers.cancelAll();
    settings.pipe().forget(uuid, ctx.getSelf());
    CocaineException cause = ending.cause();
    link.ifPresent(l -> l.release(cause));
    if (ending.abnormal()) {
      ctx.getLog().warn("{} died: {} {}", who, cause.code(), cause.getMessage());
      if (!output.isEmpty()) {
        new Crashlog(settings.app(), uuid, Instant.now(), output).store(settings.storage(), who);
      }
    } else {
      ctx.getLog().debug("{} stopped: {}", who, cause.getMessage());
    }
    reports.tell(new Died(uuid, cause, ending.abnormal(), link.isPresent()));
    return Behaviors.receive(Command.class)
        .onMessage(Forget.class, m -> Behaviors.stopped())
        .onMessage(Invoke.class, this::giveBack)
        .onMessage(Connected.class, m -> refuse(m.connection()))
        .onAnyMessage(m -> Behaviors.same())
        .build();
  }

  private Behavior<Command> onInvoke(WorkerLink link, Session session) {
    if (session.isClientGone()) {
      reports.tell(new ChannelsFinished(uuid, 1)); // the client left while the session was on its way here
      return Behaviors.same();
    }
    session.trace().invoking(uuid);
    long ch = link.open(session);
    if (ch == 0) {
      ctx.getLog().warn("{}: its pipe has {} frames waiting; request refused", who, WorkerListener.CONTROL_BUFFER);
      session.cancelRest();
      session.fail(new CocaineException(ErrorCode.RESOURCE, who + " is not reading its pipe; the request was not sent"));
      session.trace().slotFinished("worker is not reading its pipe");
      reports.tell(new ChannelsFinished(uuid, 1));
      return Behaviors.same();
    }
    timers.deadline(link.deadlineToArm());
    return Behaviors.same();
  }

  private Behavior<Command> onDeadlines(WorkerLink link) {
    link.expire(System.nanoTime(), settings.app());
    timers.deadline(link.deadlineToArm());
    return Behaviors.same();
  }

  private Behavior<Command> onControl(WorkerLink link, Frame f) {
    if (f.type() == 0) { // heartbeat: answer at once, the worker disowns itself after ~5 s of silence
      if (!link.sendControl(0)) {
        ctx.getLog().warn("{}: its control channel is full; heartbeat reply dropped", who);
      }
      timers.heartbeat();
    } else if (f.type() == 1) {
      ctx.getLog().info("{} is quitting: {}", who, f.args());
    } else {
      ctx.getLog().warn("{}: unknown control message type {}: {}", who, f.type(), f.args());
    }
    return Behaviors.same();
  }

  // A slow client is not the worker's fault: no heartbeat timeout while the pipe waits for it.
  private Behavior<Command> onStalled(boolean stalled) {
    if (stalled) {
      timers.pauseHeartbeat();
    } else {
      timers.heartbeat();
    }
    return Behaviors.same();
  }

  private Behavior<Command> onChannelsDone(WorkerLink link, State state, List<Long> channels) {
    List<Long> took = link.finished(channels, System.nanoTime());
    if (took.isEmpty()) {
      return Behaviors.same();
    }
    reports.tell(new ChannelsFinished(uuid, took.size(), took));
    if (state == State.SEALING && !link.hasOpenChannels()) {
      return terminating(link, ErrorCode.SLAVE_IS_SEALING, "slave is sealing");
    }
    return Behaviors.same();
  }

  private Behavior<Command> giveBack(Invoke m) {
    reports.tell(new Returned(uuid, m.session()));
    return Behaviors.same();
  }

  private Behavior<Command> stashConnected(Connected m) {
    if (stash.isFull()) {
      return refuse(m.connection());
    }
    stash.stash(m);
    return Behaviors.same();
  }

  private Behavior<Command> refuse(WorkerConnection connection) {
    ctx.getLog().warn("{}: refused a second or late connection with its uuid", who);
    connection.close().shutdown();
    return Behaviors.same();
  }

  private TimedOut timeout(ErrorCode code, String what, String field, Duration limit) {
    return new TimedOut(Ending.timedOut(who, code, what, field, limit));
  }
}
