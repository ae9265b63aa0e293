package cocaine.node;

import cocaine.model.InvalidModelException;
import cocaine.model.Runlist;
import cocaine.node.app.App;
import cocaine.node.app.AppHost;
import cocaine.node.app.Share;
import cocaine.node.app.NodeConfig;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Values;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;

/**
 * The apps of this node (docs/protocol.md 2.6 "node"): starts each as an {@link App} child
 * {@code app:<name>}, answers start/pause/list, finds an app for info, enqueue and control, and
 * starts the runlist named in the settings at boot (a missing runlist starts nothing; a failing app
 * is logged and does not stop the others). A start of an app that is still stopping waits for the
 * stop to finish, so the old and new life never share a socket or a published name.
 */
public final class Node {
  /** What the node service and the runtime ask of the node. */
  public sealed interface Command {}

  /** Start {@code app} with {@code profile}; the reply comes once it is published, or with the cause. */
  public record StartApp(String app, String profile, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /**
   * Serve {@code lineup} of {@code app} (cluster convergence): an app not in the table starts with it;
   * a running one rolls over to it ({@link App.Roll}: the new versions start beside the serving one and
   * take traffic once healthy; {@code renew} starts every version anew, a rolling restart). The reply
   * comes once the lineup serves, or with the reason it does not.
   */
  public record RollApp(String app, List<Share> lineup, boolean renew, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  /** Remove {@code app} from the table (reply at once); its teardown goes on in the background. */
  public record PauseApp(String app, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /** Names of the apps in the table (running, starting or broken), sorted. */
  public record ListApps(ActorRef<List<String>> replyTo) implements Command {}

  /** The app's actor, empty when no app of that name is in the table. */
  public record FindApp(String app, ActorRef<Optional<ActorRef<App.Command>>> replyTo) implements Command {}

  /** Stop every app and reply when all are gone (runtime shutdown). */
  public record Shutdown(ActorRef<Done> replyTo) implements Command {}

  private record AppReported(App.Started started) implements Command {}

  private record AppStopped(String app, ActorRef<App.Command> ref) implements Command {}

  /** A paused app is out of the locator, or did not say so within the ask timeout ({@code failure}). */
  private record PauseAnswered(String app, ActorRef<StatusReply<Done>> replyTo, Throwable failure) implements Command {}

  private record RunlistRead(Optional<Runlist> runlist, String error) implements Command {}

  /** One app in the table and who waits for its start. */
  private record Entry(ActorRef<App.Command> ref, String profile, List<ActorRef<StatusReply<Done>>> waiting) {}

  /** Apps whose teardown is still running, and the starts of the same names that wait for it. */
  private record Leaving(ActorRef<App.Command> ref, List<Command> starts) {}

  private final ActorContext<Command> ctx;
  private final AppHost host;
  private final ActorRef<App.Started> started;

  private Node(ActorContext<Command> ctx, AppHost host) {
    this.ctx = ctx;
    this.host = host;
    this.started = ctx.messageAdapter(App.Started.class, AppReported::new);
  }

  /** A node that starts its runlist ({@link NodeConfig#runlist()}) at once. */
  public static Behavior<Command> create(AppHost host) {
    return Behaviors.setup(ctx -> new Node(ctx, host).booting());
  }

  private Behavior<Command> booting() {
    String runlist = host.config().runlist();
    CompletionStage<RunlistRead> read = host.storage().read("runlists", runlist).handle((blob, e) -> {
      if (e != null) {
        CocaineException c = cause(e);
        return c.code().equals(ErrorCode.NOT_FOUND)
            ? new RunlistRead(Optional.empty(), null)
            : new RunlistRead(Optional.empty(), "cannot read runlists/" + runlist + ": " + c.getMessage());
      }
      try {
        return new RunlistRead(Optional.of(Runlist.fromMap(runlist, decode(blob))), null);
      } catch (InvalidModelException | IOException | ClassCastException e2) {
        return new RunlistRead(Optional.empty(), "runlist '" + runlist + "' is unusable: " + e2.getMessage());
      }
    });
    ctx.pipeToSelf(read, (r, e) -> r != null ? r : new RunlistRead(Optional.empty(), String.valueOf(e)));
    return serving(new HashMap<>(), new HashMap<>());
  }

  private Behavior<Command> serving(Map<String, Entry> apps, Map<String, Leaving> leaving) {
    return Behaviors.receive(Command.class)
        .onMessage(StartApp.class, m -> onStart(apps, leaving, m))
        .onMessage(PauseApp.class, m -> onPause(apps, leaving, m))
        .onMessage(RollApp.class, m -> onRoll(apps, leaving, m))
        .onMessage(ListApps.class, m -> reply(m.replyTo(), List.copyOf(new TreeMap<>(apps).keySet())))
        .onMessage(FindApp.class, m -> reply(m.replyTo(), Optional.ofNullable(apps.get(m.app())).map(Entry::ref)))
        .onMessage(AppReported.class, m -> onReported(apps, m.started()))
        .onMessage(AppStopped.class, m -> onStopped(apps, leaving, m))
        .onMessage(PauseAnswered.class, m -> {
          if (m.failure() != null) {
            ctx.getLog().warn("node: app [{}] did not leave the locator within {}; its pause is answered anyway",
                m.app(), host.config().askTimeout());
          }
          m.replyTo().tell(StatusReply.success(Done.getInstance()));
          return Behaviors.same();
        })
        .onMessage(RunlistRead.class, m -> onRunlist(m))
        .onMessage(Shutdown.class, m -> shuttingDown(apps, leaving, m.replyTo()))
        .build();
  }

  private Behavior<Command> onRunlist(RunlistRead m) {
    if (m.error() != null) {
      ctx.getLog().error("node: runlist [{}] not started: {}", host.config().runlist(), m.error());
    } else if (m.runlist().isEmpty()) {
      ctx.getLog().info("node: no runlist [{}] in storage; starting no apps", host.config().runlist());
    } else {
      m.runlist().get().apps().forEach((app, profile) -> ctx.getSelf().tell(new StartApp(app, profile, null)));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onRoll(Map<String, Entry> apps, Map<String, Leaving> leaving, RollApp m) {
    if (m.lineup().isEmpty()) {
      return replyError(m.replyTo(), new CocaineException(ErrorCode.INVALID_ARGUMENT, "app '" + m.app()
          + "': a rollover needs at least one version"));
    }
    Entry entry = apps.get(m.app());
    if (entry == null && leaving.containsKey(m.app())) {
      leaving.get(m.app()).starts().add(m); // started with its lineup once the old life is gone
      return Behaviors.same();
    }
    if (entry == null) {
      return onStart(apps, leaving, new StartApp(m.app(), m.lineup().get(0).profile(), m.replyTo()), m.lineup());
    }
    entry.ref().tell(new App.Roll(m.lineup(), m.renew(), m.replyTo()));
    return Behaviors.same();
  }

  private Behavior<Command> onStart(Map<String, Entry> apps, Map<String, Leaving> leaving, StartApp m) {
    return onStart(apps, leaving, m, Share.only("", m.profile()));
  }

  private Behavior<Command> onStart(Map<String, Entry> apps, Map<String, Leaving> leaving, StartApp m,
      List<Share> lineup) {
    if (apps.containsKey(m.app())) {
      return replyError(m.replyTo(), new CocaineException(ErrorCode.ALREADY_STARTED, "app '" + m.app() + "' is already running"));
    }
    if (m.app().isEmpty() || m.profile().isEmpty()) {
      return replyError(m.replyTo(), new CocaineException(ErrorCode.INVALID_ARGUMENT,
          "start_app needs a non-empty app name and profile name"));
    }
    Leaving old = leaving.get(m.app());
    if (old != null) {
      old.starts().add(m); // started once the old life is gone
      return Behaviors.same();
    }
    List<ActorRef<StatusReply<Done>>> waiting = new ArrayList<>();
    if (m.replyTo() != null) {
      waiting.add(m.replyTo());
    }
    String childName = "app:" + URLEncoder.encode(m.app(), StandardCharsets.UTF_8);
    ActorRef<App.Command> ref = ctx.spawn(App.create(host, m.app(), lineup, started), childName);
    ctx.watchWith(ref, new AppStopped(m.app(), ref));
    apps.put(m.app(), new Entry(ref, m.profile(), waiting));
    ctx.getLog().info("node: starting app [{}] with profile [{}]", m.app(), m.profile());
    return Behaviors.same();
  }

  private Behavior<Command> onReported(Map<String, Entry> apps, App.Started s) {
    Entry entry = apps.get(s.app());
    if (entry == null || !entry.ref().equals(s.from())) {
      return Behaviors.same(); // a life of the app that was paused meanwhile
    }
    StatusReply<Done> reply = s instanceof App.Broken b
        ? StatusReply.error(b.cause())
        : StatusReply.success(Done.getInstance());
    if (s instanceof App.Broken b && entry.waiting().isEmpty()) {
      ctx.getLog().error("node: app [{}] failed to start: {}", s.app(), b.cause().getMessage());
    }
    entry.waiting().forEach(r -> r.tell(reply));
    entry.waiting().clear();
    return Behaviors.same();
  }

  private Behavior<Command> onPause(Map<String, Entry> apps, Map<String, Leaving> leaving, PauseApp m) {
    Entry entry = apps.remove(m.app());
    if (entry == null) {
      return replyError(m.replyTo(), new CocaineException(ErrorCode.NOT_RUNNING, "app '" + m.app() + "' is not running"));
    }
    CocaineException paused = new CocaineException(ErrorCode.NOT_RUNNING, "app '" + m.app() + "' was paused while starting");
    entry.waiting().forEach(r -> r.tell(StatusReply.error(paused)));
    // answered once the app is out of the locator (a client that resolves next does not find it),
    // not after its workers ended; an app still starting answers when its start is over
    ctx.ask(Done.class, entry.ref(), host.config().askTimeout(), r -> new App.Stop(ctx.getSystem().ignoreRef(), r),
        (done, failure) -> new PauseAnswered(m.app(), m.replyTo(), failure));
    leaving.put(m.app(), new Leaving(entry.ref(), new ArrayList<>()));
    ctx.getLog().info("node: pausing app [{}]", m.app());
    return Behaviors.same();
  }

  private Behavior<Command> onStopped(Map<String, Entry> apps, Map<String, Leaving> leaving, AppStopped m) {
    Entry entry = apps.get(m.app());
    if (entry != null && entry.ref().equals(m.ref())) {
      apps.remove(m.app()); // stopped on its own: only a bug gets here
      ctx.getLog().error("node: app [{}] stopped unexpectedly", m.app());
      entry.waiting().forEach(r -> r.tell(StatusReply.error(new CocaineException(ErrorCode.NOT_RUNNING,
          "app '" + m.app() + "' stopped unexpectedly"))));
    }
    Leaving old = leaving.get(m.app());
    if (old != null && old.ref().equals(m.ref())) {
      leaving.remove(m.app());
      old.starts().forEach(s -> ctx.getSelf().tell(s));
    }
    return Behaviors.same();
  }

  // Every app was asked to stop; replies when the last is gone, then stops.
  private Behavior<Command> shuttingDown(Map<String, Entry> apps, Map<String, Leaving> leaving, ActorRef<Done> replyTo) {
    apps.forEach((name, e) -> {
      e.ref().tell(new App.Stop(ctx.getSystem().ignoreRef()));
      leaving.put(name, new Leaving(e.ref(), new ArrayList<>()));
    });
    apps.clear();
    if (leaving.isEmpty()) {
      replyTo.tell(Done.getInstance());
      return Behaviors.stopped();
    }
    CocaineException down = new CocaineException(ErrorCode.NOT_RUNNING, "the node is shutting down");
    return Behaviors.receive(Command.class)
        .onMessage(AppStopped.class, m -> {
          leaving.remove(m.app());
          if (leaving.isEmpty()) {
            replyTo.tell(Done.getInstance());
            return Behaviors.stopped();
          }
          return Behaviors.same();
        })
        .onMessage(StartApp.class, m -> replyError(m.replyTo(), down))
        .onMessage(PauseApp.class, m -> replyError(m.replyTo(), down))
        .onMessage(RollApp.class, m -> replyError(m.replyTo(), down))
        .onMessage(PauseAnswered.class, m -> reply(m.replyTo(), StatusReply.success(Done.getInstance())))
        .onMessage(ListApps.class, m -> reply(m.replyTo(), List.of()))
        .onMessage(FindApp.class, m -> reply(m.replyTo(), Optional.empty()))
        .onAnyMessage(m -> Behaviors.same())
        .build();
  }

  private static <T> Behavior<Command> reply(ActorRef<T> to, T value) {
    to.tell(value);
    return Behaviors.same();
  }

  private static Behavior<Command> replyError(ActorRef<StatusReply<Done>> to, CocaineException e) {
    if (to != null) {
      to.tell(StatusReply.error(e));
    }
    return Behaviors.same();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, ?> decode(byte[] blob) throws IOException {
    try (MessageUnpacker unpacker = MessagePack.newDefaultUnpacker(blob)) {
      Object value = Values.toJava(unpacker.unpackValue());
      if (!(value instanceof Map)) {
        throw new IOException("not a msgpack map");
      }
      return (Map<String, ?>) value;
    }
  }

  private static CocaineException cause(Throwable t) {
    Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    return c instanceof CocaineException e ? e : new CocaineException(ErrorCode.IO_ERROR, String.valueOf(c));
  }
}
