package cocaine.cluster.desired;

import cocaine.cluster.desired.Plan.Applied;
import cocaine.node.Node;
import cocaine.storage.KeyWatch;
import cocaine.storage.Storage;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.pattern.StatusReply;

/**
 * Makes this node run what the cluster's desired state ({@code desired/<app>}) says: watches the
 * collection, re-reads a key when it changes, and starts, stops or restarts the app through the
 * {@link Node} actor as {@link Plan} decides. At start it reads every record, so a node that joins
 * or restarts converges from storage. A record that does not parse, or an app that fails to start
 * (a missing profile, say), marks that app broken with the reason; the others converge. What it
 * converged to it reports in {@code converged/<node>} ({@link NodeReport}) at each change and every
 * {@code reportEvery}, so a deploy can wait for its version on every node.
 *
 * <p>It asks the node for at most {@code startsAtOnce} starts at once ({@link StartQueue}): a restarted
 * node with 1,000 apps would otherwise flood the storage with their reads. A start or record read
 * refused for a reason that may pass ({@link Retries#retryable}) is tried again after a back-off;
 * any other refusal leaves the app broken until its desired record changes.
 */
public final class Convergence {
  /** What the watch, the runtime and {@code status} send. */
  public sealed interface Command {}

  /** {@code desired/<app>} changed (created, written or removed): read it again. */
  public record Changed(String app) implements Command {}

  /** This node's view of every app the desired state names or convergence started, by name. */
  public record Status(ActorRef<Map<String, AppState>> replyTo) implements Command {}

  /**
   * One app on this node.
   *
   * @param desired the desired version, or empty when the record is gone or does not parse
   * @param state   {@code running}, {@code starting}, {@code stopped}, {@code elsewhere} (wanted on other
   *                nodes) or {@code broken}
   * @param reason  why it is broken, or why a start is being retried, else empty
   */
  public record AppState(String desired, String state, String reason) {}

  private record Keys(List<String> keys, Throwable failure) implements Command {}

  /** @param failure why the storage could not read the record (tried again if {@link Retries} says so), or null */
  private record Read(String app, long seq, Optional<DesiredApp> desired, String unusable, CocaineException failure)
      implements Command {}

  private record Listed(Read read, List<String> running) implements Command {}

  private record Answered(String app, Pending start, StatusReply<Done> reply) implements Command {}

  private record ReportTick() implements Command {}

  /** A start or rollover, asked now or waiting its turn. */
  private record Pending(DesiredApp desired, Applied target, boolean renew, boolean retried, String doing) {}

  /** The back-off after a retryable refusal of {@code app}'s start is over. */
  private record Retry(String app, Pending start) implements Command {}

  private record Reported(Throwable failure) implements Command {}

  @SuppressWarnings("unchecked")
  private static final Class<List<String>> NAMES = (Class<List<String>>) (Class<?>) List.class;
  @SuppressWarnings("unchecked")
  private static final Class<StatusReply<Done>> REPLY = (Class<StatusReply<Done>>) (Class<?>) StatusReply.class;

  private final ActorContext<Command> ctx;
  private final Storage storage;
  private final ActorRef<Node.Command> node;
  private final String nodeName;
  private final Duration askTimeout;
  private final Clock clock;
  private final TimerScheduler<Command> timers;
  private final StartQueue<Pending> turns;
  /** Per app (and per {@code desired/<app>} read), the back-off of its retries. */
  private final Retries retries = new Retries();

  private Convergence(ActorContext<Command> ctx, Storage storage, ActorRef<Node.Command> node, String nodeName,
      Duration askTimeout, Clock clock, TimerScheduler<Command> timers, int startsAtOnce) {
    this.ctx = ctx;
    this.timers = timers;
    this.turns = new StartQueue<>(startsAtOnce);
    this.storage = storage;
    this.node = node;
    this.nodeName = nodeName;
    this.askTimeout = askTimeout;
    this.clock = clock;
  }

  /**
   * Convergence of the node {@code node}, known in desired records as {@code nodeName}.
   *
   * @param askTimeout  longest wait for the node's list and starts
   * @param reportEvery how often the node's report is rewritten when nothing changed
   * @param startsAtOnce starts and rollovers asked of the node at once; the others wait their turn
   */
  public static Behavior<Command> create(Storage storage, KeyWatch watch, ActorRef<Node.Command> node,
      String nodeName, Duration askTimeout, Duration reportEvery, int startsAtOnce) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      ActorRef<Command> self = ctx.getSelf();
      AutoCloseable handle = watch.watch(DesiredApp.COLLECTION, key -> self.tell(new Changed(key)));
      ctx.pipeToSelf(storage.find(DesiredApp.COLLECTION, DesiredApp.TAGS), Keys::new);
      timers.startTimerWithFixedDelay(new ReportTick(), reportEvery);
      self.tell(new ReportTick()); // a node with no apps is still seen
      return new Convergence(ctx, storage, node, nodeName, askTimeout, Clock.systemUTC(), timers, startsAtOnce)
          .converging(handle, new HashMap<>(), new HashMap<>(), new HashMap<>(), new HashMap<>());
    }));
  }

  /**
   * @param seqs    per app, the number of the latest read: an older answer is dropped
   * @param applied per app, what this node last started
   * @param states  per app, what {@link Status} shows
   * @param written what the last report written said
   */
  private Behavior<Command> converging(AutoCloseable handle, Map<String, Long> seqs, Map<String, Applied> applied,
      Map<String, AppState> states, Map<String, AppState> written) {
    return Behaviors.receive(Command.class)
        .onMessage(Keys.class, m -> {
          if (m.failure() != null) {
            ctx.getLog().error("convergence: cannot list the desired state ({}); following changes only",
                cause(m.failure()).getMessage());
          } else {
            m.keys().forEach(k -> ctx.getSelf().tell(new Changed(k)));
          }
          return Behaviors.same();
        })
        .onMessage(Changed.class, m -> onChanged(seqs, m.app()))
        .onMessage(Read.class, m -> report(onRead(seqs, states, m), states, written, false))
        .onMessage(Listed.class, m -> report(onListed(seqs, applied, states, m), states, written, false))
        .onMessage(Answered.class, m -> report(onAnswered(applied, states, m), states, written, false))
        .onMessage(Retry.class, m -> {
          if (m.start().target().equals(applied.get(m.app()))) { // else a later decision superseded it
            start(m.app(), m.start(), applied, states);
          }
          return report(Behaviors.same(), states, written, false);
        })
        .onMessage(ReportTick.class, m -> report(Behaviors.same(), states, written, true))
        .onMessage(Reported.class, m -> {
          if (m.failure() != null) {
            ctx.getLog().warn("convergence: cannot write this node's report {}/{}: {}", NodeReport.COLLECTION,
                nodeName, cause(m.failure()).getMessage());
            written.clear(); // written again at the next tick or change
          }
          return Behaviors.same();
        })
        .onMessage(Status.class, m -> {
          m.replyTo().tell(Map.copyOf(new TreeMap<>(states)));
          return Behaviors.same();
        })
        .onSignal(PostStop.class, s -> {
          handle.close();
          return Behaviors.same();
        })
        .build();
  }

  /** Writes this node's report when {@code states} changed since the last one, or always when {@code tick}. */
  private Behavior<Command> report(Behavior<Command> next, Map<String, AppState> states,
      Map<String, AppState> written, boolean tick) {
    if (tick || !states.equals(written)) {
      written.clear();
      written.putAll(states);
      NodeReport r = new NodeReport(nodeName, clock.instant(), states);
      ctx.pipeToSelf(storage.write(NodeReport.COLLECTION, nodeName, r.pack(), NodeReport.TAGS),
          (v, e) -> new Reported(e));
    }
    return next;
  }

  private Behavior<Command> onChanged(Map<String, Long> seqs, String app) {
    long seq = seqs.merge(app, 1L, Long::sum);
    ctx.pipeToSelf(storage.read(DesiredApp.COLLECTION, app), (blob, e) -> {
      if (e != null) {
        CocaineException c = cause(e);
        return c.code().equals(ErrorCode.NOT_FOUND)
            ? new Read(app, seq, Optional.empty(), null, null)
            : new Read(app, seq, Optional.empty(), "cannot read desired/" + app + ": " + c.getMessage(), c);
      }
      try {
        return new Read(app, seq, Optional.of(DesiredApp.unpack(app, blob)), null, null);
      } catch (IllegalArgumentException bad) {
        return new Read(app, seq, Optional.empty(), bad.getMessage(), null);
      }
    });
    return Behaviors.same();
  }

  private Behavior<Command> onRead(Map<String, Long> seqs, Map<String, AppState> states, Read m) {
    if (m.seq() != seqs.get(m.app())) {
      return Behaviors.same(); // a newer change is being read
    }
    if (m.unusable() != null) {
      // what runs keeps running: an unreadable record says nothing about what to do
      String reason = m.unusable();
      Optional<Duration> after = m.failure() == null ? Optional.empty()
          : retries.refused(DesiredApp.COLLECTION + "/" + m.app(), m.failure(), System.nanoTime());
      if (after.isPresent()) {
        timers.startSingleTimer("read:" + m.app(), new Changed(m.app()), after.get());
        reason = reason + " (reading it again in " + after.get().toMillis() + " ms)";
      }
      ctx.getLog().error("convergence: app [{}] broken: {}", m.app(), reason);
      states.put(m.app(), new AppState("", "broken", reason));
      return Behaviors.same();
    }
    retries.succeeded(DesiredApp.COLLECTION + "/" + m.app());
    ctx.ask(NAMES, node, askTimeout, Node.ListApps::new, (names, failure) -> failure != null
        ? new Read(m.app(), m.seq(), m.desired(), "node did not list its apps: " + failure.getMessage(), null)
        : new Listed(m, names));
    return Behaviors.same();
  }

  private Behavior<Command> onListed(Map<String, Long> seqs, Map<String, Applied> applied,
      Map<String, AppState> states, Listed m) {
    Read read = m.read();
    String app = read.app();
    if (read.seq() != seqs.get(app)) {
      return Behaviors.same();
    }
    String version = read.desired().map(DesiredApp::label).orElse("");
    Plan.Step step = Plan.step(nodeName, read.desired(), m.running().contains(app), applied.get(app));
    if (step instanceof Plan.Start s) {
      start(app, new Pending(read.desired().get(), s.applied(), false, false, "starting"), applied, states);
    } else if (step instanceof Plan.Restart r) {
      boolean renew = r.applied().onlyRestartedFrom(applied.get(app));
      start(app, new Pending(read.desired().get(), r.applied(), renew, false, renew ? "restarting (rolling)"
          : "rolling over"), applied, states);
    } else if (step instanceof Plan.Stop) {
      ctx.getLog().info("convergence: stopping app [{}]", app);
      node.tell(new Node.PauseApp(app, ctx.getSystem().ignoreRef()));
      applied.remove(app);
      turns.drop(app);
      putState(states, app, version, read.desired());
    } else if (step instanceof Plan.Adopt a) {
      applied.put(app, a.applied());
      states.put(app, new AppState(version, "running", ""));
    } else if (!m.running().contains(app)) {
      putState(states, app, version, read.desired());
    }
    return Behaviors.same();
  }

  private void putState(Map<String, AppState> states, String app, String version, Optional<DesiredApp> desired) {
    if (desired.isEmpty()) {
      states.remove(app);
    } else {
      states.put(app, new AppState(version, desired.get().running() ? "elsewhere" : "stopped", ""));
    }
  }

  /** Asks the node for {@code p} now, or when its turn comes. */
  private void start(String app, Pending p, Map<String, Applied> applied, Map<String, AppState> states) {
    applied.put(app, p.target());
    states.put(app, new AppState(p.desired().label(), "starting", ""));
    if (turns.admit(app, p)) {
      ask(app, p);
    }
  }

  /**
   * Asks the node to serve the desired versions: an app it does not run starts with them, a running
   * one rolls over to them (the old version serves until the new one passes its health gate).
   */
  private void ask(String app, Pending p) {
    DesiredApp desired = p.desired();
    ctx.getLog().info("convergence: {} app [{}] version {} with profile [{}] ({} waiting their turn)", p.doing(), app,
        desired.label(), p.target().profile(), turns.waiting());
    ctx.ask(REPLY, node, askTimeout, r -> new Node.RollApp(app, desired.lineup(), p.renew(), r),
        (reply, failure) -> new Answered(app, p, failure != null
            ? StatusReply.error(new CocaineException(ErrorCode.TIMEOUT, "no answer from the node within " + askTimeout))
            : reply));
  }

  private Behavior<Command> onAnswered(Map<String, Applied> applied, Map<String, AppState> states, Answered m) {
    turns.answered().ifPresent(next -> ask(next.getKey(), next.getValue()));
    Pending p = m.start();
    if (!p.target().equals(applied.get(m.app()))) {
      return Behaviors.same(); // a later decision superseded this start
    }
    String label = p.desired().label();
    if (m.reply().isSuccess()) {
      retries.succeeded(m.app());
      states.put(m.app(), new AppState(label, "running", ""));
      return Behaviors.same();
    }
    CocaineException c = cause(m.reply().getError());
    if (!p.retried() && (c.code().equals(ErrorCode.NOT_RUNNING) || c.code().equals(ErrorCode.ALREADY_STARTED))) {
      // the node's app is broken or stopping and cannot roll over: a fresh life replaces it
      ctx.getLog().info("convergence: app [{}] cannot roll over ({}); restarting it at version {}", m.app(),
          c.getMessage(), label);
      node.tell(new Node.PauseApp(m.app(), ctx.getSystem().ignoreRef()));
      start(m.app(), new Pending(p.desired(), p.target(), false, true, "restarting"), applied, states);
      return Behaviors.same();
    }
    Optional<Duration> retry = retries.refused(m.app(), c, System.nanoTime());
    if (retry.isPresent()) {
      Duration after = retry.get();
      ctx.getLog().warn("convergence: app [{}] version {} not started, trying again in {} ms: {}", m.app(), label,
          after.toMillis(), c.getMessage());
      states.put(m.app(), new AppState(label, "starting", "trying again in " + after.toMillis() + " ms: "
          + c.getMessage()));
      // not a "retried" restart: the node may answer the next try that its app is broken, and restart it
      timers.startSingleTimer("start:" + m.app(), new Retry(m.app(),
          new Pending(p.desired(), p.target(), p.renew(), false, "trying again")), after);
      return Behaviors.same();
    }
    ctx.getLog().error("convergence: app [{}] version {} broken: {}", m.app(), label, c.getMessage());
    states.put(m.app(), new AppState(label, "broken", c.getMessage()));
    return Behaviors.same();
  }

  private static CocaineException cause(Throwable t) {
    Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    if (c instanceof CocaineException e) {
      return e;
    }
    if (c != null && c.getCause() instanceof CocaineException e) {
      return e;
    }
    return new CocaineException(ErrorCode.IO_ERROR, String.valueOf(c));
  }
}
