package cocaine.node;

import static cocaine.wire.Signature.Type.INT;
import static cocaine.wire.Signature.Type.STR;
import static cocaine.wire.Signature.optional;
import static cocaine.wire.Signature.required;

import cocaine.node.app.App;
import cocaine.node.app.AppService;
import cocaine.node.app.EnvironmentMask;
import cocaine.node.app.InfoFlags;
import cocaine.node.app.RunningApps;
import cocaine.rpc.channel.FeedInlet;
import cocaine.rpc.channel.Handoff;
import cocaine.rpc.service.ChannelContext;
import cocaine.rpc.service.DirectService;
import cocaine.security.AccessToken;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Protocol;
import cocaine.wire.Signature;
import cocaine.wire.Values;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.stream.javadsl.Source;
import org.msgpack.value.Value;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code node} service (docs/protocol.md 2.6, version 1): start_app, pause_app, list, info, control
 * and enqueue, answered through the {@link Node} actor and each running app's own service
 * ({@link RunningApps}); {@code enqueue} takes the same direct path as on the app's own port.
 */
public final class NodeService implements DirectService {
  public static final String NAME = "node";
  public static final int START_APP = 0;
  public static final int PAUSE_APP = 1;
  public static final int LIST = 2;
  public static final int INFO = 3;
  public static final int CONTROL = 4;
  public static final int ENQUEUE = 5;
  public static final Protocol PROTOCOL = Protocol.builder()
      .method(START_APP, "start_app", Signature.of(required("app", STR), required("profile", STR)), Graph.TERMINAL,
          Graph.PRIMITIVE)
      .method(PAUSE_APP, "pause_app", Signature.of(required("app", STR)), Graph.TERMINAL, Graph.PRIMITIVE)
      .method(LIST, "list", Signature.NONE, Graph.TERMINAL, Graph.PRIMITIVE)
      .method(INFO, "info", Signature.of(required("app", STR), optional("flags", INT)), Graph.TERMINAL, Graph.PRIMITIVE)
      .method(CONTROL, "control", Signature.of(required("app", STR)), Graph.STREAMING, Graph.PRIMITIVE)
      .method(ENQUEUE, "enqueue", Signature.of(required("app", STR), required("event", STR)), Graph.STREAMING,
          Graph.STREAMING)
      .build();

  private static final Logger log = LoggerFactory.getLogger(NodeService.class);

  private final ActorRef<Node.Command> node;
  private final RunningApps running;
  private final AccessToken access;
  private final Scheduler scheduler;
  private final Duration askTimeout;
  /** start_app waits for spooling (unpacking, binding, publishing), which may take longer than a query. */
  private final Duration startTimeout;
  private final long startedNanos = System.nanoTime();

  /**
   * @param askTimeout how long a query waits for the node or an app ({@code node.ask-timeout})
   */
  public NodeService(ActorRef<Node.Command> node, RunningApps running, Scheduler scheduler, Duration askTimeout) {
    this(node, running, scheduler, askTimeout, AccessToken.NONE);
  }

  /**
   * @param running the services of the node's running apps ({@link cocaine.node.app.AppHost#running()})
   * @param access the token start_app, pause_app and control need
   */
  public NodeService(ActorRef<Node.Command> node, RunningApps running, Scheduler scheduler, Duration askTimeout,
      AccessToken access) {
    this.access = access;
    this.node = node;
    this.running = running;
    this.scheduler = scheduler;
    this.askTimeout = askTimeout;
    this.startTimeout = askTimeout.multipliedBy(4);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int version() {
    return 1;
  }

  @Override
  public Protocol protocol() {
    return PROTOCOL;
  }

  @Override
  public Source<Message, NotUsed> open(ChannelContext channel, Message first, Source<Message, NotUsed> rest) {
    List<Value> args = first.args();
    try {
      switch (first.type()) {
        case START_APP: {
          String app = string(args, 0);
          String profile = string(args, 1);
          access.check(first.headers(), "node.start_app('" + app + "')");
          return done(AskPattern.<Node.Command, Done>askWithStatus(node, r -> new Node.StartApp(app, profile, r), startTimeout, scheduler));
        }
        case PAUSE_APP: {
          String app = string(args, 0);
          access.check(first.headers(), "node.pause_app('" + app + "')");
          return done(AskPattern.<Node.Command, Done>askWithStatus(node, r -> new Node.PauseApp(app, r), askTimeout, scheduler));
        }
        case LIST:
          return Source.completionStage(AskPattern.ask(node, Node.ListApps::new, askTimeout, scheduler))
              .map(apps -> Message.value(Values.strings(apps)));
        case INFO:
          return info(string(args, 0), flags(args), access.allows(first.headers()));
        case CONTROL: {
          String app = string(args, 0);
          access.check(first.headers(), "node.control('" + app + "')");
          return service(app).control(rest);
        }
        case ENQUEUE: // served by openDirect, which never declines it
          throw new CocaineException(ErrorCode.SLOT_NOT_FOUND, "node: enqueue is served directly");
        default:
          throw new CocaineException(ErrorCode.SLOT_NOT_FOUND, "node has no method " + first.type());
      }
    } catch (CocaineException e) {
      if (e.code().category() == ErrorCode.CATEGORY_SECURITY) {
        log.warn("node: refused a call from {}: {}", channel.peer(), e.getMessage());
      }
      return Source.failed(e);
    }
  }

  /**
   * The app's info map plus {@code node: {uptime}}, the node's seconds since it started (the
   * original has no node-wide info call; this key is the one addition to its shape).
   *
   * @param reveal false hides the values of the manifest's environment (they may hold secrets)
   */
  private Source<Message, NotUsed> info(String app, int flags, boolean reveal) {
    CompletionStage<Map<String, Object>> report = find(app).thenCompose(ref -> AskPattern.<App.Command, Map<String, Object>>ask(
        ref, r -> new App.Info(flags, r), askTimeout, scheduler)).thenApply(m -> reveal ? m : EnvironmentMask.hide(m))
        .thenApply(this::withNodeUptime);
    return Source.completionStage(report).map(m -> Message.value(Values.fromJava(m))).mapError(CompletionException.class, NodeService::unwrapped);
  }

  private Map<String, Object> withNodeUptime(Map<String, Object> info) {
    Map<String, Object> out = new LinkedHashMap<>(info);
    out.put("node", Map.of("uptime", (System.nanoTime() - startedNanos) / 1_000_000_000));
    return out;
  }

  /** {@code enqueue(app, event)}: the app's own enqueue, on the connection's thread. */
  @Override
  public Handoff.Feed<Message> openDirect(ChannelContext channel, Message first, Handoff.Feed<Message> rest) {
    if (first.type() != ENQUEUE) {
      return null;
    }
    try {
      String app = string(first.args(), 0);
      String event = string(first.args(), 1);
      return service(app).enqueue(event, first.headers(), rest);
    } catch (CocaineException e) {
      FeedInlet.cancel(rest);
      throw e;
    }
  }

  private AppService service(String app) {
    return running.find(app).orElseThrow(() -> new CocaineException(ErrorCode.NOT_RUNNING,
        "app '" + app + "' is not running (see node.info for its state)"));
  }

  private CompletionStage<ActorRef<App.Command>> find(String app) {
    return AskPattern.<Node.Command, Optional<ActorRef<App.Command>>>ask(node, r -> new Node.FindApp(app, r), askTimeout,
            scheduler)
        .thenApply(ref -> ref.orElseThrow(() -> new CocaineException(ErrorCode.NOT_RUNNING,
            "app '" + app + "' is not running")));
  }

  private static Source<Message, NotUsed> done(CompletionStage<?> stage) {
    return Source.completionStage(stage).map(x -> Message.value()).mapError(CompletionException.class, NodeService::unwrapped);
  }

  /** A failed ask arrives wrapped; the client must see the CocaineException inside. */
  private static Throwable unwrapped(CompletionException e) {
    return e.getCause() != null ? e.getCause() : e;
  }

  /** The {@code index}th argument, a string the method's signature guarantees. */
  private static String string(List<Value> args, int index) {
    return Values.asString(args.get(index));
  }

  /** Flags default to the overseer report when the caller sends none. */
  private static int flags(List<Value> args) {
    return args.size() < 2 ? InfoFlags.OVERSEER : (int) args.get(1).asIntegerValue().toLong();
  }
}
