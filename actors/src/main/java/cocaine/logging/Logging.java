package cocaine.logging;

import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.MailboxSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The node's logging service core: owns the verbosity and the sinks. Records below the verbosity
 * are dropped; the others go to every sink in order. Spawn it with {@link #mailbox(int)} so that
 * a flood of emits is bounded before it reaches the sinks' own bounded queues.
 */
public final class Logging {
  public sealed interface Command {}

  /** Writes a record if its severity is at least the verbosity. No reply. */
  public record Emit(LogRecord record) implements Command {}

  public record GetVerbosity(ActorRef<Verbosity> replyTo) implements Command {}

  /** Changes the verbosity; the reply carries the new one. */
  public record SetVerbosity(Severity level, ActorRef<Verbosity> replyTo) implements Command {}

  public record Verbosity(Severity level) {}

  private final ActorContext<Command> ctx;
  private final List<Sink> sinks;

  private Logging(ActorContext<Command> ctx, List<Sink> sinks) {
    this.ctx = ctx;
    this.sinks = List.copyOf(sinks);
  }

  /** The actor owns the sinks from now on and closes them when it stops. */
  public static Behavior<Command> create(Severity verbosity, List<Sink> sinks) {
    return Behaviors.setup(ctx -> new Logging(ctx, sinks).filtering(verbosity));
  }

  /** A bounded mailbox for the actor: past {@code capacity} waiting emits, new ones go to dead letters. */
  public static MailboxSelector mailbox(int capacity) {
    return MailboxSelector.bounded(capacity);
  }

  private Behavior<Command> filtering(Severity verbosity) {
    return Behaviors.receive(Command.class)
        .onMessage(Emit.class, m -> onEmit(verbosity, m.record()))
        .onMessage(GetVerbosity.class, m -> reply(m.replyTo(), verbosity))
        .onMessage(SetVerbosity.class, this::onSetVerbosity)
        .onSignal(PostStop.class, s -> closeSinks())
        .build();
  }

  private Behavior<Command> onEmit(Severity verbosity, LogRecord record) {
    if (record.severity().compareTo(verbosity) >= 0) {
      for (Sink sink : sinks) {
        sink.accept(record);
      }
    }
    return Behaviors.same();
  }

  private Behavior<Command> onSetVerbosity(SetVerbosity m) {
    ctx.getLog().info("logging: verbosity set to {}", m.level().label());
    m.replyTo().tell(new Verbosity(m.level()));
    return filtering(m.level());
  }

  private Behavior<Command> reply(ActorRef<Verbosity> replyTo, Severity verbosity) {
    replyTo.tell(new Verbosity(verbosity));
    return Behaviors.same();
  }

  private Behavior<Command> closeSinks() {
    for (Sink sink : sinks) {
      try {
        sink.close();
      } catch (RuntimeException e) {
        ctx.getLog().warn("logging: cannot close sink {}: {}", sink, e.toString());
      }
    }
    return Behaviors.same();
  }
}
