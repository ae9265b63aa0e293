package cocaine.logging;

import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.MailboxSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The node's logging service core: owns the verbosity, the v2 filters ({@link FilterTable}) and the
 * sinks. A record passes when the filters for its source accept it or, with none that apply, when
 * it is at least the verbosity; a passing record goes to every sink in order. Spawn it with {@link #mailbox(int)} so that
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

  /** {@code emit_ack}: like {@link Emit}; the reply says whether the record was written. */
  public record EmitAck(LogRecord record, ActorRef<Boolean> replyTo) implements Command {}

  /** The sources seen so far (at most {@value #MAX_LOGGERS}) and those with filters, sorted. */
  public record ListLoggers(ActorRef<List<String>> replyTo) implements Command {}

  /** Adds (or replaces, by id) a filter; the reply is its id. */
  public record SetFilter(FilterTable.Filter filter, ActorRef<Long> replyTo) implements Command {}

  /** Removes a filter; the reply holds it, or nothing when no filter had that id. */
  public record RemoveFilter(long id, ActorRef<Removed> replyTo) implements Command {}

  public record Removed(Optional<FilterTable.Filter> filter) {}

  /** The live filters, by id. */
  public record ListFilters(ActorRef<List<FilterTable.Filter>> replyTo) implements Command {}

  /** Most distinct sources remembered for {@link ListLoggers}. */
  static final int MAX_LOGGERS = 1024;

  private final ActorContext<Command> ctx;
  private final List<Sink> sinks;
  private final Clock clock;

  private Logging(ActorContext<Command> ctx, List<Sink> sinks, Clock clock) {
    this.ctx = ctx;
    this.sinks = List.copyOf(sinks);
    this.clock = clock;
  }

  /** The actor owns the sinks from now on and closes them when it stops. */
  public static Behavior<Command> create(Severity verbosity, List<Sink> sinks) {
    return create(verbosity, sinks, Clock.systemUTC());
  }

  /** @param clock what filter deadlines are checked against */
  public static Behavior<Command> create(Severity verbosity, List<Sink> sinks, Clock clock) {
    return Behaviors.setup(ctx -> new Logging(ctx, sinks, clock).filtering(verbosity, FilterTable.EMPTY, Set.of()));
  }

  /** A bounded mailbox for the actor: past {@code capacity} waiting emits, new ones go to dead letters. */
  public static MailboxSelector mailbox(int capacity) {
    return MailboxSelector.bounded(capacity);
  }

  private Behavior<Command> filtering(Severity verbosity, FilterTable filters, Set<String> loggers) {
    return Behaviors.receive(Command.class)
        .onMessage(Emit.class, m -> onEmit(verbosity, filters, loggers, m.record(), null))
        .onMessage(EmitAck.class, m -> onEmit(verbosity, filters, loggers, m.record(), m.replyTo()))
        .onMessage(GetVerbosity.class, m -> {
          m.replyTo().tell(new Verbosity(verbosity));
          return Behaviors.same();
        })
        .onMessage(SetVerbosity.class, m -> {
          ctx.getLog().info("logging: verbosity set to {}", m.level().label());
          m.replyTo().tell(new Verbosity(m.level()));
          return filtering(m.level(), filters, loggers);
        })
        .onMessage(ListLoggers.class, m -> {
          Set<String> names = new TreeSet<>(loggers);
          filters.live(clock.instant()).filters().values().forEach(f -> names.add(f.logger()));
          m.replyTo().tell(List.copyOf(names));
          return Behaviors.same();
        })
        .onMessage(SetFilter.class, m -> {
          ctx.getLog().info("logging: filter {} set for '{}' until {} ({}): {}", m.filter().id(), m.filter().logger(),
              m.filter().deadline(), m.filter().disposition().name().toLowerCase(java.util.Locale.ROOT),
              m.filter().filter().toValue());
          m.replyTo().tell(m.filter().id());
          return filtering(verbosity, filters.live(clock.instant()).with(m.filter()), loggers);
        })
        .onMessage(RemoveFilter.class, m -> {
          Optional<FilterTable.Filter> removed = Optional.ofNullable(filters.filters().get(m.id()));
          removed.ifPresent(f -> ctx.getLog().info("logging: filter {} of '{}' removed", f.id(), f.logger()));
          m.replyTo().tell(new Removed(removed));
          return filtering(verbosity, filters.without(m.id()), loggers);
        })
        .onMessage(ListFilters.class, m -> {
          FilterTable live = filters.live(clock.instant());
          m.replyTo().tell(List.copyOf(live.filters().values()));
          return live == filters ? Behaviors.same() : filtering(verbosity, live, loggers);
        })
        .onSignal(PostStop.class, s -> closeSinks())
        .build();
  }

  private Behavior<Command> onEmit(Severity verbosity, FilterTable filters, Set<String> loggers, LogRecord record,
      ActorRef<Boolean> replyTo) {
    FilterTable live = filters.live(clock.instant());
    boolean written = live.verdict(record).orElse(record.severity().compareTo(verbosity) >= 0);
    if (written) {
      for (Sink sink : sinks) {
        sink.accept(record);
      }
    }
    if (replyTo != null) {
      replyTo.tell(written);
    }
    Set<String> seen = loggers;
    if (!loggers.contains(record.source()) && loggers.size() < MAX_LOGGERS) {
      Set<String> more = new HashSet<>(loggers);
      more.add(record.source());
      seen = Set.copyOf(more);
    }
    return live == filters && seen == loggers ? Behaviors.same() : filtering(verbosity, live, seen);
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
