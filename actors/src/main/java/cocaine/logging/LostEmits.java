package cocaine.logging;

import java.time.Duration;
import org.apache.pekko.actor.DeadLetter;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Counts the emits the {@link Logging} actor's bounded mailbox refused (they go to dead letters)
 * and reports them in one log line per period, so a burst beyond the bound is never silent.
 */
public final class LostEmits {
  public sealed interface Command {}

  /** Replies with the number of refused emits since start. */
  public record GetTotal(ActorRef<Long> replyTo) implements Command {}

  /** A dead letter seen on the event stream. */
  private record Dead(DeadLetter letter) implements Command {}

  private enum Report implements Command { INSTANCE }

  private final ActorContext<Command> ctx;

  private LostEmits(ActorContext<Command> ctx) {
    this.ctx = ctx;
  }

  /** Watches dead letters for refused emits; reports every {@code period} while there are some. */
  public static Behavior<Command> create(Duration period) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      ActorRef<DeadLetter> adapter = ctx.messageAdapter(DeadLetter.class, Dead::new);
      ctx.getSystem().eventStream().tell(new EventStream.Subscribe<>(DeadLetter.class, adapter));
      timers.startTimerWithFixedDelay(Report.INSTANCE, period);
      return new LostEmits(ctx).counting(0, 0);
    }));
  }

  // lost: refused since the last report; total: since start
  private Behavior<Command> counting(long lost, long total) {
    return Behaviors.receive(Command.class)
        .onMessage(Dead.class, m -> m.letter().message() instanceof Logging.Emit ? counting(lost + 1, total + 1)
            : Behaviors.same())
        .onMessage(Report.class, m -> report(lost, total))
        .onMessage(GetTotal.class, m -> {
          m.replyTo().tell(total);
          return Behaviors.same();
        })
        .build();
  }

  private Behavior<Command> report(long lost, long total) {
    if (lost > 0) {
      ctx.getLog().warn("logging: {} log records refused because the logging queue was full ({} since start)",
          lost, total);
    }
    return counting(0, total);
  }
}
