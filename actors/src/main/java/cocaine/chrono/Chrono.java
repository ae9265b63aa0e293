package cocaine.chrono;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The timers of the {@code chrono} service. Each timer writes its id into the channel that made
 * it when it fires; a one-shot timer then closes that channel. A timer ends with its channel, and
 * one connection holds at most {@code maxPerConnection} of them.
 */
public final class Chrono {
  private static final Logger log = LoggerFactory.getLogger(Chrono.class);

  public sealed interface Command {}

  /**
   * A new timer.
   *
   * @param repeat zero for a one-shot timer
   * @param out    the channel's upstream; the timer ends it with a close (or an error)
   */
  public record Start(long id, long connectionId, Duration first, Duration repeat, boolean sendId,
      BoundedSourceQueue<Message> out) implements Command {}

  /** Stops a timer and closes its channel; an unknown id is only logged, as the original does. */
  public record Cancel(long id, ActorRef<Done> replyTo) implements Command {}

  /** Starts a timer's countdown again from now; {@code replyTo} gets the refusal of an unknown id, or null. */
  public record Restart(long id, ActorRef<Restarted> replyTo) implements Command {}

  public record Restarted(CocaineException refusal) {}

  /** The timer's channel ended (closed by the client, the connection lost or the timer done). */
  public record ChannelEnded(long id) implements Command {}

  /** How many timers are running, for tests and the metrics. */
  public record GetCount(ActorRef<Integer> replyTo) implements Command {}

  private record Fire(long id) implements Command {}

  private record Timer(long connectionId, Duration first, Duration repeat, BoundedSourceQueue<Message> out) {}

  private final TimerScheduler<Command> scheduler;
  private final int maxPerConnection;

  private Chrono(TimerScheduler<Command> scheduler, int maxPerConnection) {
    this.scheduler = scheduler;
    this.maxPerConnection = maxPerConnection;
  }

  public static Behavior<Command> create(int maxPerConnection) {
    return Behaviors.withTimers(t -> new Chrono(t, maxPerConnection).running(new HashMap<>(), new HashMap<>()));
  }

  /** @param perConnection timers held by each connection that holds any */
  private Behavior<Command> running(Map<Long, Timer> timers, Map<Long, Integer> perConnection) {
    return Behaviors.receive(Command.class)
        .onMessage(Start.class, s -> {
          int held = perConnection.getOrDefault(s.connectionId(), 0);
          if (held >= maxPerConnection) {
            log.warn("chrono: refused timer {} of connection {}: it holds {} timers already", s.id(),
                s.connectionId(), held);
            s.out().offer(Message.error(ErrorCode.TRY_AGAIN, "chrono: this connection holds " + held
                + " timers already (cocaine.services.chrono.max-timers-per-connection); cancel some first"));
            return Behaviors.same();
          }
          Timer timer = new Timer(s.connectionId(), s.first(), s.repeat(), s.out());
          timers.put(s.id(), timer);
          perConnection.merge(s.connectionId(), 1, Integer::sum);
          if (s.sendId() && !deliver(s.id(), timer)) {
            remove(s.id(), timers, perConnection);
            return Behaviors.same();
          }
          scheduler.startSingleTimer(s.id(), new Fire(s.id()), s.first());
          return Behaviors.same();
        })
        .onMessage(Fire.class, f -> {
          Timer timer = timers.get(f.id());
          if (timer == null) {
            return Behaviors.same();
          }
          if (!deliver(f.id(), timer)) {
            remove(f.id(), timers, perConnection);
          } else if (timer.repeat().isZero()) {
            // the close is the stream's last message: the connection then ends the channel (and its source)
            timer.out().offer(Message.close());
            remove(f.id(), timers, perConnection);
          } else {
            scheduler.startSingleTimer(f.id(), new Fire(f.id()), timer.repeat());
          }
          return Behaviors.same();
        })
        .onMessage(Cancel.class, c -> {
          Timer timer = timers.get(c.id());
          if (timer == null) {
            log.info("chrono: cancel of timer {}, which does not exist", c.id());
          } else {
            timer.out().offer(Message.close());
            remove(c.id(), timers, perConnection);
          }
          c.replyTo().tell(Done.getInstance());
          return Behaviors.same();
        })
        .onMessage(Restart.class, r -> {
          Timer timer = timers.get(r.id());
          if (timer == null) {
            r.replyTo().tell(new Restarted(new CocaineException(ErrorCode.NOT_FOUND,
                "chrono.restart: there is no timer " + r.id())));
            return Behaviors.same();
          }
          scheduler.startSingleTimer(r.id(), new Fire(r.id()), timer.repeat().isZero() ? timer.first() : timer.repeat());
          r.replyTo().tell(new Restarted(null));
          return Behaviors.same();
        })
        .onMessage(ChannelEnded.class, e -> {
          if (timers.containsKey(e.id())) {
            remove(e.id(), timers, perConnection);
          }
          return Behaviors.same();
        })
        .onMessage(GetCount.class, g -> {
          g.replyTo().tell(timers.size());
          return Behaviors.same();
        })
        .build();
  }

  /** Writes the id into the timer's channel; false when the channel is gone or its reader fell behind. */
  private static boolean deliver(long id, Timer timer) {
    QueueOfferResult offered = timer.out().offer(Message.write(Values.integer(id)));
    if (offered == QueueOfferResult.enqueued()) {
      return true;
    }
    if (offered == QueueOfferResult.dropped()) {
      log.warn("chrono: timer {} stopped: its channel did not take its ticks", id);
      timer.out().fail(new CocaineException(ErrorCode.NO_BUFFERS, "chrono: timer " + id
          + " stopped: this channel did not read its ticks"));
    }
    return false;
  }

  private void remove(long id, Map<Long, Timer> timers, Map<Long, Integer> perConnection) {
    scheduler.cancel(id);
    Timer gone = timers.remove(id);
    if (gone != null) {
      perConnection.computeIfPresent(gone.connectionId(), (c, n) -> n > 1 ? n - 1 : null);
    }
  }
}
