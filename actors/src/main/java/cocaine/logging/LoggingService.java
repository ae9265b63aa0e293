package cocaine.logging;

import static cocaine.wire.Signature.Type.ARRAY;
import static cocaine.wire.Signature.Type.INT;
import static cocaine.wire.Signature.Type.STR;
import static cocaine.wire.Signature.optional;
import static cocaine.wire.Signature.required;

import cocaine.rpc.service.ChannelContext;
import cocaine.rpc.service.Service;
import cocaine.security.AccessToken;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Graph;
import cocaine.wire.Header;
import cocaine.wire.Message;
import cocaine.wire.Protocol;
import cocaine.wire.Signature;
import cocaine.wire.Values;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.stream.javadsl.Source;
import org.msgpack.value.Value;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code logging} service (version 2, docs/protocol.md 2.6): {@code emit} (no reply at all),
 * {@code verbosity} and {@code set_verbosity}, served by the {@link Logging} actor. With access
 * control on, {@code set_verbosity} needs the token: whoever may silence the log may hide an attack.
 */
public final class LoggingService implements Service {
  public static final String NAME = "logging";
  public static final int VERSION = 2;
  public static final int EMIT = 0;
  public static final int VERBOSITY = 1;
  public static final int SET_VERBOSITY = 2;
  private static final Signature EMIT_ARGS = Signature.of(required("level", INT, "int 0-3"), required("source", STR),
      required("message", STR), optional("attributes", ARRAY, "[[name, value]]"));
  private static final Signature SET_VERBOSITY_ARGS = Signature.of(required("level", INT, "int 0-3"));
  public static final Protocol PROTOCOL = Protocol.builder()
      .method(EMIT, "emit", EMIT_ARGS, Graph.TERMINAL, Graph.TERMINAL)
      .method(VERBOSITY, "verbosity", Signature.NONE, Graph.TERMINAL, Graph.PRIMITIVE)
      .method(SET_VERBOSITY, "set_verbosity", SET_VERBOSITY_ARGS, Graph.TERMINAL, Graph.PRIMITIVE)
      .build();

  private static final Logger log = LoggerFactory.getLogger(LoggingService.class);

  private final ActorSystem<?> system;
  private final ActorRef<Logging.Command> logging;
  private final Duration askTimeout;
  private final Clock clock;
  private final AccessToken access;

  /** @param askTimeout how long {@code verbosity} calls wait for the actor */
  public LoggingService(ActorSystem<?> system, ActorRef<Logging.Command> logging, Duration askTimeout) {
    this(system, logging, askTimeout, AccessToken.NONE);
  }

  /**
   * @param askTimeout how long {@code verbosity} calls wait for the actor
   * @param access the token {@code set_verbosity} needs
   */
  public LoggingService(ActorSystem<?> system, ActorRef<Logging.Command> logging, Duration askTimeout,
      AccessToken access) {
    this(system, logging, askTimeout, access, Clock.systemUTC());
  }

  LoggingService(ActorSystem<?> system, ActorRef<Logging.Command> logging, Duration askTimeout, AccessToken access,
      Clock clock) {
    this.system = system;
    this.logging = logging;
    this.askTimeout = askTimeout;
    this.access = access;
    this.clock = clock;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int version() {
    return VERSION;
  }

  @Override
  public Protocol protocol() {
    return PROTOCOL;
  }

  @Override
  public Source<Message, NotUsed> open(ChannelContext channel, Message first, Source<Message, NotUsed> rest) {
    try {
      switch (first.type()) {
        case EMIT:
          // emit has no upstream at all: a bad record can only be logged, never answered
          logging.tell(new Logging.Emit(record(first.args(), first.headers())));
          return Source.empty();
        case VERBOSITY:
          return reply(AskPattern.<Logging.Command, Logging.Verbosity>ask(logging, Logging.GetVerbosity::new, askTimeout, system.scheduler())
              .thenApply(v -> Message.value(Values.integer(v.level().level()))));
        case SET_VERBOSITY:
          Severity level = setVerbosityArgs(first.args());
          access.check(first.headers(), "logging.set_verbosity(" + level.level() + ")");
          return reply(AskPattern.<Logging.Command, Logging.Verbosity>ask(logging, r -> new Logging.SetVerbosity(level, r), askTimeout, system.scheduler())
              .thenApply(v -> Message.value()));
        default:
          throw new CocaineException(ErrorCode.SLOT_NOT_FOUND, "logging has no method " + first.type());
      }
    } catch (CocaineException e) {
      log.warn("logging: refused a call from {}: {}", channel.peer(), e.getMessage());
      return first.type() == EMIT ? Source.empty() : Source.single(Message.error(e));
    }
  }

  private Source<Message, NotUsed> reply(CompletionStage<Message> answer) {
    return Source.completionStage(answer.exceptionally(e -> Message.error(ErrorCode.TIMEOUT,
        "logging did not answer within " + askTimeout.toMillis() + " ms: " + e)));
  }

  private LogRecord record(List<Value> args, List<Header> headers) {
    Severity severity = Severity.ofLevel(args.get(0).asIntegerValue().isInLongRange() ? args.get(0).asIntegerValue().toLong() : -1);
    if (severity == null) {
      throw new CocaineException(ErrorCode.INVALID_ARGUMENT, "logging.emit: level must be 0 (debug) to 3 (error), got " + args.get(0));
    }
    Map<String, Object> attributes = new LinkedHashMap<>();
    if (args.size() == 4) {
      for (Value pair : args.get(3).asArrayValue()) {
        if (!pair.isArrayValue() || pair.asArrayValue().size() != 2 || !pair.asArrayValue().get(0).isRawValue()
            || !isScalar(pair.asArrayValue().get(1))) {
          throw new CocaineException(ErrorCode.INVALID_ARGUMENT,
              "logging.emit: each attribute must be [name: str, value: str|int|float|bool], got " + pair);
        }
        attributes.put(Values.asString(pair.asArrayValue().get(0)), Values.toJava(pair.asArrayValue().get(1)));
      }
    }
    // the v12 trace headers of the emit, so a line can be found by the request it belongs to
    traceAttribute(headers, Header.TRACE_ID, attributes);
    traceAttribute(headers, Header.SPAN_ID, attributes);
    return new LogRecord(clock.instant(), severity, Values.asString(args.get(1)), Values.asString(args.get(2)), attributes);
  }

  /** Adds a trace header as a 16-digit hex attribute, unless the sender set that attribute itself. */
  private static void traceAttribute(List<Header> headers, String name, Map<String, Object> attributes) {
    if (!attributes.containsKey(name)) {
      Header.find(headers, name).flatMap(Header::asLong)
          .ifPresent(id -> attributes.put(name, String.format("%016x", id)));
    }
  }

  private static Severity setVerbosityArgs(List<Value> args) {
    Severity level = args.get(0).asIntegerValue().isInLongRange() ? Severity.ofLevel(args.get(0).asIntegerValue().toLong()) : null;
    if (level == null) {
      throw SET_VERBOSITY_ARGS.invalid("logging.set_verbosity", args, "level must be 0 (debug) to 3 (error)");
    }
    return level;
  }

  private static boolean isScalar(Value v) {
    return v.isRawValue() || v.isIntegerValue() || v.isFloatValue() || v.isBooleanValue();
  }
}
