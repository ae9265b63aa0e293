package cocaine.node.slot;

import cocaine.model.Profile;
import cocaine.node.isolate.Isolate;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
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
 * is ever lost. (Longer than most actors here: the whole life of a worker is one state machine, and
 * the states share the pipe handling in {@code connected}.)
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

  /** Channels ended in both directions: the slot's load dropped by {@code count}. */
  public record ChannelsFinished(String uuid, int count) implements Report {}

  /** A session the slot could not take (it is sealing or dead); the engine queues it again. */
  public record Returned(String uuid, Session session) implements Report {}

  /**
   * The worker is gone and its sessions were failed with {@code cause}.
   *
   * @param abnormal the runtime did not ask for it: counts as a crash (respawn back-off)
   * @param activated the worker had shaken hands before it died
   */
  public record Died(String uuid, CocaineException cause, boolean abnormal, boolean activated) implements Report {}

  /** Invocations on a worker-ending error: C++ node category "slave", code 5 unknown_activate_error. */
  static final ErrorCode UNKNOWN_ACTIVATE = new ErrorCode(ErrorCode.CATEGORY_SLAVE, 5);
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Slot.class);
  private static final int STASH = 8;
  private static final Object STATE_TIMER = "state";
  private static final Object HEARTBEAT_TIMER = "heartbeat";

  private static final Object DEADLINE_TIMER = "deadline";
  /** The longest a deadline timer is armed for; a later deadline is re-armed when it fires. */
  private static final long MAX_TIMER_NANOS = Duration.ofDays(1).toNanos();

  /** How the worker's life ended; a null cause means "ask the exit code". */
  private record Ending(CocaineException cause, boolean abnormal) {}

  private enum State { ACTIVE, SEALING, TERMINATING }

  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final StashBuffer<Command> stash;
  private final SlotSettings settings;
  private final Profile.Timeouts timeouts;
  private final String uuid;
  private final ActorRef<Report> reports;
  private final String who;

  private Slot(ActorContext<Command> ctx, TimerScheduler<Command> timers, StashBuffer<Command> stash,
      SlotSettings settings, String uuid, ActorRef<Report> reports) {
    this.ctx = ctx;
    this.timers = timers;
    this.stash = stash;
    this.settings = settings;
    this.timeouts = settings.profile().timeouts();
    this.uuid = uuid;
    this.reports = reports;
    this.who = "app '" + settings.app() + "': worker " + uuid;
  }

  /** A slot that starts its worker at once. */
  public static Behavior<Command> create(SlotSettings settings, String uuid, ActorRef<Report> reports) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> Behaviors.withStash(STASH,
        stash -> new Slot(ctx, timers, stash, settings, uuid, reports).spawning())));
  }

  // Waiting for the isolate to start the process; a fast worker may connect before we hear of it.
  private Behavior<Command> spawning() {
    settings.pipe().expect(uuid, ctx.getSelf());
    arm(STATE_TIMER, timeout(ErrorCode.SPAWN_TIMEOUT, "was not started", "spawn-timeout", timeouts.spawn()),
        timeouts.spawn());
    ctx.pipeToSelf(settings.isolate().spawn(arguments(), settings.environment()),
        (worker, e) -> e == null ? new Spawned(worker) : new SpawnFailed(e));
    return Behaviors.receive(Command.class)
        .onMessage(Spawned.class, m -> handshaking(m.worker()))
        .onMessage(SpawnFailed.class, m -> gone(Optional.empty(), List.of(), new Ending(spawnError(m.cause()), true)))
        .onMessage(Connected.class, this::stashConnected)
        .onMessage(TimedOut.class, m -> cancelling(new Ending(m.cause(), true)))
        .onMessage(Terminate.class, m -> cancelling(new Ending(terminated(m.code(), m.reason()), false)))
        .onMessage(Seal.class, m -> cancelling(new Ending(sealed(), false)))
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
    arm(STATE_TIMER, timeout(ErrorCode.ACTIVATE_TIMEOUT, "sent no handshake", "handshake-timeout", timeouts.handshake()),
        timeouts.handshake());
    ctx.pipeToSelf(worker.exit(), (code, e) -> new Exited(code == null ? -1 : code));
    return stash.unstashAll(Behaviors.receive(Command.class)
        .onMessage(Connected.class, m -> attach(worker, m.connection()))
        .onMessage(Exited.class, m -> gone(Optional.empty(), worker.output(), new Ending(
            new CocaineException(UNKNOWN_ACTIVATE, who + " exited with code " + m.code() + " before its handshake"), true)))
        .onMessage(TimedOut.class, m -> killed(worker, Optional.empty(), new Ending(m.cause(), true)))
        .onMessage(Terminate.class, m -> killed(worker, Optional.empty(), new Ending(terminated(m.code(), m.reason()), false)))
        .onMessage(Seal.class, m -> killed(worker, Optional.empty(), new Ending(sealed(), false)))
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
    timers.cancel(STATE_TIMER);
    ctx.getLog().debug("{} (pid {}) shook hands", who, worker.pid());
    reports.tell(new Activated(uuid, worker.pid()));
    return active(new WorkerLink(worker, connection));
  }

  // Takes sessions; the worker must heartbeat within heartbeat-timeout.
  private Behavior<Command> active(WorkerLink link) {
    armHeartbeat();
    return connected(link, State.ACTIVE, Behaviors.receive(Command.class)
        .onMessage(Invoke.class, m -> onInvoke(link, m.session()))
        .onMessage(Seal.class, m -> sealing(link))
        .onMessage(Terminate.class, m -> terminating(link, m.code(), m.reason())));
  }

  // No new sessions; the worker is terminated when its last channel ends or seal-timeout passes.
  private Behavior<Command> sealing(WorkerLink link) {
    if (link.channels.isEmpty()) {
      return terminating(link, ErrorCode.SLAVE_IS_SEALING, "slave is sealing");
    }
    arm(STATE_TIMER, SealExpired.INSTANCE, timeouts.seal());
    return connected(link, State.SEALING, Behaviors.receive(Command.class)
        .onMessage(Invoke.class, this::giveBack)
        .onMessage(Seal.class, m -> Behaviors.same())
        .onMessage(SealExpired.class, m -> terminating(link, ErrorCode.SEAL_TIMEOUT, "slave has not finished within seal-timeout"))
        .onMessage(Terminate.class, m -> terminating(link, m.code(), m.reason())));
  }

  // The worker was asked to exit; its open channels may still finish until terminate-timeout.
  private Behavior<Command> terminating(WorkerLink link, ErrorCode code, String reason) {
    if (!link.sendControl(1, (long) code.code(), reason)) {
      ctx.getLog().warn("{}: its control channel is full, terminate not sent; killing it", who);
      return killed(link.worker, Optional.of(link), new Ending(terminated(code, reason), false));
    }
    Ending ending = new Ending(terminated(code, reason), false);
    arm(STATE_TIMER, KillNow.INSTANCE, timeouts.terminate());
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
        .onMessage(InboundEnded.class, m -> exiting(link.worker, Optional.of(link), new Ending(null, true)))
        .onMessage(Exited.class, m -> gone(Optional.of(link), link.worker.output(), new Ending(died(m.code()), true)))
        .onMessage(TimedOut.class, m -> killed(link.worker, Optional.of(link), new Ending(m.cause(), true)))
        .onMessage(Connected.class, m -> refuse(m.connection()))
        .build();
  }

  private Behavior<Command> killed(Isolate.Worker worker, Optional<WorkerLink> link, Ending ending) {
    worker.kill();
    return exiting(worker, link, ending);
  }

  // The worker is on its way out (killed, or it closed its pipe): wait for its exit code.
  private Behavior<Command> exiting(Isolate.Worker worker, Optional<WorkerLink> link, Ending ending) {
    timers.cancel(HEARTBEAT_TIMER);
    arm(STATE_TIMER, KillNow.INSTANCE, timeouts.terminate());
    ctx.pipeToSelf(worker.exit(), (code, e) -> new Exited(code == null ? -1 : code));
    return Behaviors.receive(Command.class)
        .onMessage(Exited.class, m -> gone(link, worker.output(),
            ending.cause() == null ? new Ending(died(m.code()), ending.abnormal()) : ending))
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
    link.ifPresent(l -> release(l, cause));
    if (ending.abnormal()) {
      ctx.getLog().warn("{} died: {} {}", who, cause.code(), cause.getMessage());
      if (!output.isEmpty()) {
        writeCrashlog(output);
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

  private void release(WorkerLink link, CocaineException cause) {
    CocaineException forSessions = new CocaineException(cause.code(), cause.getMessage() + " while handling the request");
    for (Session session : link.channels.values()) {
      session.fail(forSessions);
      session.trace().slotFinished(cause.getMessage());
    }
    link.channels.clear();
    link.connection.close().shutdown();
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
    link.deadlines.add(ch, session.deadlineNanos());
    armDeadline(link);
    return Behaviors.same();
  }

  /**
   * One timer per slot, for the earliest deadline of its open channels: a timer per request cost a
   * scheduler task and its cancellation each. Armed again only for an earlier deadline; firing early
   * (its channel finished meanwhile) just arms it for the next one.
   */
  private void armDeadline(WorkerLink link) {
    long next = link.deadlines.next(link.channels.keySet());
    if (next == Long.MAX_VALUE || next >= link.deadlines.armedFor) {
      return;
    }
    link.deadlines.armedFor = next;
    long delay = Math.max(0, Math.min(MAX_TIMER_NANOS, next - System.nanoTime()));
    timers.startSingleTimer(DEADLINE_TIMER, DeadlinesDue.INSTANCE, Duration.ofNanos(delay));
  }

  private Behavior<Command> onDeadlines(WorkerLink link) {
    link.deadlines.armedFor = Long.MAX_VALUE;
    for (long ch : link.deadlines.due(System.nanoTime(), link.channels.keySet())) {
      onExpired(link, ch);
    }
    armDeadline(link);
    return Behaviors.same();
  }

  private Behavior<Command> onControl(WorkerLink link, Frame f) {
    if (f.type() == 0) { // heartbeat: answer at once, the worker disowns itself after ~5 s of silence
      if (!link.sendControl(0)) {
        ctx.getLog().warn("{}: its control channel is full; heartbeat reply dropped", who);
      }
      armHeartbeat();
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
      timers.cancel(HEARTBEAT_TIMER);
    } else {
      armHeartbeat();
    }
    return Behaviors.same();
  }

  private void onExpired(WorkerLink link, long ch) {
    Session session = link.channels.get(ch);
    if (session == null) {
      return;
    }
    session.fail(new CocaineException(ErrorCode.TIMEOUT, "app '" + settings.app() + "': invocation of '"
        + session.event() + "' has timed out (request-timeout)"));
    link.connection.pipe().cut(ch, Optional.of(Message.error(ErrorCode.TIMEOUT, "invocation has timed out").on(ch)));
  }

  private Behavior<Command> onChannelsDone(WorkerLink link, State state, List<Long> channels) {
    int done = 0;
    for (long ch : channels) {
      Session session = link.channels.remove(ch);
      if (session != null) {
        session.trace().slotFinished(null);
        done++;
      }
    }
    if (done == 0) {
      return Behaviors.same();
    }
    link.deadlines.forgetFinished(link.channels.keySet());
    reports.tell(new ChannelsFinished(uuid, done));
    if (state == State.SEALING && link.channels.isEmpty()) {
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

  private void armHeartbeat() {
    arm(HEARTBEAT_TIMER, timeout(ErrorCode.HEARTBEAT_TIMEOUT, "sent no heartbeat", "heartbeat-timeout",
        timeouts.heartbeat()), timeouts.heartbeat());
  }

  /** A zero timeout in a profile means "no limit". */
  private void arm(Object key, Command message, Duration after) {
    if (after.isZero()) {
      timers.cancel(key);
    } else {
      timers.startSingleTimer(key, message, after);
    }
  }

  private TimedOut timeout(ErrorCode code, String what, String field, Duration limit) {
    return new TimedOut(new CocaineException(code, who + " " + what + " within " + field + " ("
        + seconds(limit) + " s)"));
  }

  private CocaineException died(int code) {
    return new CocaineException(ErrorCode.WORKER_DISCONNECTED, who + " died with exit code " + code);
  }

  private CocaineException terminated(ErrorCode code, String reason) {
    return new CocaineException(code, who + " was terminated: " + reason);
  }

  private CocaineException sealed() {
    return new CocaineException(ErrorCode.SLAVE_IS_SEALING, who + " was sealed before it started");
  }

  private CocaineException spawnError(Throwable t) {
    Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    if (cause instanceof CocaineException e) {
      return e;
    }
    return new CocaineException(UNKNOWN_ACTIVATE, who + " could not be started: " + cause);
  }

  private TreeMap<String, String> arguments() {
    TreeMap<String, String> args = new TreeMap<>(); // the C++ runtime passes them in sorted key order
    args.put("app", settings.app());
    args.put("endpoint", settings.pipe().path().toString());
    args.put("locator", settings.locator());
    args.put("protocol", "1");
    args.put("uuid", uuid);
    return args;
  }

  private void writeCrashlog(List<String> output) {
    Crashlog log = new Crashlog(settings.app(), uuid, Instant.now(), new ArrayList<>(output));
    settings.storage().write(Crashlog.COLLECTION, log.key(), log.value(), log.tags())
        .whenComplete((v, e) -> {
          if (e != null) {
            LOG.warn("{}: cannot write crashlog {}: {}", who, log.key(), e.toString());
          }
        });
  }

  private static String seconds(Duration d) {
    double s = d.toMillis() / 1000.0;
    return s == Math.rint(s) ? String.valueOf((long) s) : String.valueOf(s);
  }
}
