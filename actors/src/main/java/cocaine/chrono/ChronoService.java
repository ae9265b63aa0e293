package cocaine.chrono;

import static cocaine.wire.Signature.Type.BOOL;
import static cocaine.wire.Signature.Type.INT;
import static cocaine.wire.Signature.Type.NUMBER;
import static cocaine.wire.Signature.optional;
import static cocaine.wire.Signature.required;

import cocaine.rpc.service.ChannelContext;
import cocaine.rpc.service.MethodService;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Protocol;
import cocaine.wire.Signature;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.stream.javadsl.Source;
import org.msgpack.value.Value;

/**
 * The {@code chrono} service (version 1, as the original plugin): {@code notify_after(seconds,
 * send_id)} and {@code notify_every(seconds, send_id)} open a stream of the timer's id, written at
 * each tick (and at once when {@code send_id}); {@code cancel(id)} and {@code restart(id)} act on a
 * timer from any channel. The timers live in the {@link Chrono} actor.
 */
public final class ChronoService extends MethodService {
  public static final String NAME = "chrono";
  public static final int VERSION = 1;
  public static final int NOTIFY_AFTER = 0;
  public static final int NOTIFY_EVERY = 1;
  public static final int CANCEL = 2;
  public static final int RESTART = 3;
  /** Ticks a channel may leave unread before its timer is stopped. */
  static final int TICK_BUFFER = 64;
  /** The longest interval: a year, far below what a Duration or the scheduler can hold. */
  static final double MAX_SECONDS = 365 * 24 * 3600.0;
  private static final Signature NOTIFY_ARGS = Signature.of(required("seconds", NUMBER), optional("send_id", BOOL));
  private static final Signature ID_ARGS = Signature.of(required("timer_id", INT));
  public static final Protocol PROTOCOL = Protocol.builder()
      .method(NOTIFY_AFTER, "notify_after", NOTIFY_ARGS, Graph.TERMINAL, Graph.STREAMING)
      .method(NOTIFY_EVERY, "notify_every", NOTIFY_ARGS, Graph.TERMINAL, Graph.STREAMING)
      .method(CANCEL, "cancel", ID_ARGS, Graph.TERMINAL, Graph.PRIMITIVE)
      .method(RESTART, "restart", ID_ARGS, Graph.TERMINAL, Graph.PRIMITIVE)
      .build();

  private final ActorSystem<?> system;
  private final ActorRef<Chrono.Command> chrono;
  private final Duration minInterval;
  private final Duration askTimeout;

  /**
   * @param minInterval the shortest interval a caller may ask for
   * @param askTimeout  how long cancel and restart wait for the actor
   */
  public ChronoService(ActorSystem<?> system, ActorRef<Chrono.Command> chrono, Duration minInterval,
      Duration askTimeout) {
    super(NAME, VERSION, PROTOCOL);
    this.system = system;
    this.chrono = chrono;
    this.minInterval = minInterval;
    this.askTimeout = askTimeout;
  }

  @Override
  protected Source<Message, NotUsed> call(ChannelContext channel, Message first, Source<Message, NotUsed> rest) {
    List<Value> args = first.args();
    switch (first.type()) {
      case NOTIFY_AFTER, NOTIFY_EVERY -> {
        String method = first.type() == NOTIFY_AFTER ? "chrono.notify_after" : "chrono.notify_every";
        Duration interval = interval(method, args);
        boolean sendId = args.size() > 1 && args.get(1).asBooleanValue().getBoolean();
        return timer(channel, interval, first.type() == NOTIFY_EVERY ? interval : Duration.ZERO, sendId);
      }
      case CANCEL -> {
        long id = timerId("chrono.cancel", args);
        return replyWithin(askTimeout, AskPattern.<Chrono.Command, org.apache.pekko.Done>ask(chrono,
            r -> new Chrono.Cancel(id, r), askTimeout, system.scheduler()).thenApply(d -> Message.value()));
      }
      case RESTART -> {
        long id = timerId("chrono.restart", args);
        return replyWithin(askTimeout, AskPattern.<Chrono.Command, Chrono.Restarted>ask(chrono,
            r -> new Chrono.Restart(id, r), askTimeout, system.scheduler())
            .thenApply(r -> r.refusal() == null ? Message.value() : Message.error(r.refusal())));
      }
      default -> throw noMethod(first);
    }
  }

  private Source<Message, NotUsed> timer(ChannelContext channel, Duration first, Duration repeat, boolean sendId) {
    // ids are random as the original's, positive so that every client's int64 reads them alike
    long id = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    return Source.<Message>queue(TICK_BUFFER)
        .mapMaterializedValue(out -> {
          chrono.tell(new Chrono.Start(id, channel.connectionId(), first, repeat, sendId, out));
          return NotUsed.getInstance();
        })
        .watchTermination((nu, done) -> {
          done.whenComplete((d, e) -> chrono.tell(new Chrono.ChannelEnded(id)));
          return NotUsed.getInstance();
        });
  }

  private Duration interval(String method, List<Value> args) {
    Value v = args.get(0);
    double seconds = v.isIntegerValue() ? (v.asIntegerValue().isInLongRange() ? v.asIntegerValue().toLong() : -1)
        : v.asFloatValue().toDouble();
    if (!(seconds * 1000 >= minInterval.toMillis()) || seconds > MAX_SECONDS) {
      throw NOTIFY_ARGS.invalid(method, args, "seconds must be from " + minInterval.toMillis() / 1000.0
          + " (cocaine.services.chrono.min-interval) to " + (long) MAX_SECONDS + ", got " + seconds);
    }
    return Duration.ofNanos((long) (seconds * 1e9));
  }

  private static long timerId(String method, List<Value> args) {
    if (!args.get(0).asIntegerValue().isInLongRange()) {
      throw ID_ARGS.invalid(method, args, "timer_id must be an int64");
    }
    return args.get(0).asIntegerValue().toLong();
  }
}
