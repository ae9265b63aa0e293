package cocaine.node.app;

import static cocaine.wire.Signature.Type.ANY;
import static cocaine.wire.Signature.Type.INT;
import static cocaine.wire.Signature.Type.STR;
import static cocaine.wire.Signature.optional;
import static cocaine.wire.Signature.required;

import cocaine.model.Profile;
import cocaine.node.engine.Engine;
import cocaine.node.slot.Session;
import cocaine.node.slot.SessionTrace;
import cocaine.node.slot.SessionUpstream;
import cocaine.rpc.channel.Handoff;
import cocaine.rpc.service.ChannelContext;
import cocaine.rpc.service.DirectService;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Graph;
import cocaine.wire.Header;
import cocaine.wire.Message;
import cocaine.wire.Protocol;
import cocaine.wire.Signature;
import cocaine.wire.Values;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.stream.javadsl.Source;

/**
 * A running app's invocation service, published under the app's name (docs/protocol.md 2.6 "app
 * service", version 1): {@code enqueue(event, tag?)} streams both ways through the engine to a
 * worker, {@code info} returns the app's info map, {@code control} pins the pool size while the
 * channel is open.
 */
public final class AppService implements DirectService {
  public static final int ENQUEUE = 0;
  public static final int INFO = 1;
  public static final int CONTROL = 2;
  public static final Protocol PROTOCOL = Protocol.builder()
      .method(ENQUEUE, "enqueue", Signature.of(required("event", STR), optional("tag", ANY)), Graph.STREAMING, Graph.STREAMING)
      .method(INFO, "info", Signature.NONE, Graph.TERMINAL, Graph.PRIMITIVE)
      .method(CONTROL, "control", Signature.NONE, Graph.STREAMING, Graph.PRIMITIVE)
      .build();
  /** What a {@code write} on a {@code control} channel carries. */
  private static final Signature CONTROL_WRITE = Signature.of(required("workers", INT));
  /** "No limit" for a request-timeout of 0: far enough never to fire, small enough not to overflow nanoTime. */
  private static final Duration FOREVER = Duration.ofDays(3650);
  private static final AtomicLong SESSION_IDS = new AtomicLong();

  private final String app;
  private final Traffic traffic;
  private final ActorRef<App.Command> appActor;
  private final Scheduler scheduler;
  private final Duration askTimeout;
  private final int upstreamBuffer;

  /**
   * @param traffic        the generations that take new channels (one, or two during a canary)
   * @param upstreamBuffer worker messages queued per session for a client that does not read
   */
  public AppService(String app, Traffic traffic, ActorRef<App.Command> appActor,
      ActorSystem<?> system, Duration askTimeout, int upstreamBuffer) {
    this.app = app;
    this.traffic = traffic;
    this.appActor = appActor;
    this.scheduler = system.scheduler();
    this.askTimeout = askTimeout;
    this.upstreamBuffer = upstreamBuffer;
  }

  @Override
  public String name() {
    return app;
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
    try {
      switch (first.type()) {
        case ENQUEUE: // served by openDirect, which never declines it
          throw new CocaineException(ErrorCode.SLOT_NOT_FOUND, "app '" + app + "': enqueue is served directly");
        case INFO:
          return info(InfoFlags.ALL);
        case CONTROL:
          return control(rest);
        default:
          throw new CocaineException(ErrorCode.SLOT_NOT_FOUND, "app '" + app + "' has no method " + first.type());
      }
    } catch (CocaineException e) {
      return Source.failed(e);
    }
  }

  /**
   * {@code enqueue} without a sub-stream either way (the one path every event takes, from the app's
   * own port or through the node service): see {@link #enqueue}. Other methods go to {@link #open}.
   */
  @Override
  public Handoff.Feed<Message> openDirect(ChannelContext channel, Message first, Handoff.Feed<Message> rest) {
    if (first.type() != ENQUEUE) {
      return null;
    }
    return enqueue(Values.asString(first.args().get(0)), first.headers(), rest);
  }

  /**
   * Serves one event: the session goes to the engine at once, with the client's later messages as
   * a feed the worker's pipe reads directly, only as fast as the worker takes them.
   *
   * @return the client's upstream, fed by the worker's pipe
   */
  public Handoff.Feed<Message> enqueue(String event, List<Header> headers, Handoff.Feed<Message> rest) {
    Traffic.Route route = traffic.pick();
    route.inFlight().incrementAndGet(); // its generation drains until the channel ends
    Start start = start(headers, route);
    route.engine().tell(new Engine.Enqueue(new Session(nextSessionId(), event, headers, rest,
        start.upstream(), start.nanos(), start.deadline(), start.trace())));
    return start.upstream().feed();
  }

  /** A session id unique on this node. */
  static long nextSessionId() {
    return SESSION_IDS.incrementAndGet();
  }

  /** A session's client side, when its enqueue came, its deadline and its spans. */
  private record Start(SessionUpstream upstream, long nanos, long deadline, SessionTrace trace) {}

  private Start start(List<Header> headers, Traffic.Route route) {
    long now = System.nanoTime();
    SessionTrace trace = SessionTrace.of(headers, app, now);
    Runnable onStop = trace == SessionTrace.NONE ? route.inFlight()::decrementAndGet : () -> {
      route.inFlight().decrementAndGet();
      trace.completed();
    };
    return new Start(new SessionUpstream(upstreamBuffer, onStop), now, deadline(headers, now, route.profile()), trace);
  }

  private static long deadline(List<Header> headers, long now, Profile profile) {
    Duration timeout = Header.find(headers, Header.REQUEST_TIMEOUT)
        .flatMap(Header::asLong)
        .filter(ms -> ms > 0)
        .map(Duration::ofMillis)
        .orElse(profile.timeouts().request());
    return now + (timeout.isZero() || timeout.compareTo(FOREVER) > 0 ? FOREVER : timeout).toNanos();
  }

  /**
   * The app's info map as {@code value [map]}, with the manifest's environment values hidden: anyone
   * who reaches the app's port may ask ({@code node.info} shows them to a caller with the token).
   */
  public Source<Message, NotUsed> info(int flags) {
    return Source.completionStage(AskPattern.<App.Command, Map<String, Object>>ask(appActor,
            replyTo -> new App.Info(flags, replyTo), askTimeout, scheduler))
        .map(map -> Message.value(Values.fromJava(EnvironmentMask.hide(map))));
  }

  /** Pins the pool to each {@code write [n]} while the channel is open; {@code value []} after the client closes. */
  public Source<Message, NotUsed> control(Source<Message, NotUsed> rest) {
    return rest
        .watchTermination((mat, done) -> {
          done.whenComplete((d, e) -> pin(0));
          return mat;
        })
        .mapConcat(m -> {
          if (m.type() == Graph.WRITE) {
            pin(workers(m.args()));
          }
          return List.<Message>of();
        })
        .concat(Source.single(Message.value()));
  }

  private void pin(int workers) {
    traffic.routes().forEach(r -> r.engine().tell(new Engine.Pin(workers)));
  }

  private int workers(List<org.msgpack.value.Value> args) {
    var n = CONTROL_WRITE.decode(app + ".control write", args).args().get(0).asIntegerValue();
    return n.isInIntRange() ? n.asInt() : n.isInLongRange() && n.toLong() < 0 ? Integer.MIN_VALUE : Integer.MAX_VALUE;
  }
}
