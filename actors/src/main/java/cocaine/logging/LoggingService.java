package cocaine.logging;

import static cocaine.wire.Signature.Type.ARRAY;
import static cocaine.wire.Signature.Type.BOOL;
import static cocaine.wire.Signature.Type.MAP;
import static cocaine.wire.Signature.Type.INT;
import static cocaine.wire.Signature.Type.STR;
import static cocaine.wire.Signature.optional;
import static cocaine.wire.Signature.required;

import cocaine.rpc.service.ChannelContext;
import cocaine.rpc.service.MethodService;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.stream.javadsl.Source;
import org.msgpack.value.Value;

/**
 * The {@code logging} service (version 2, docs/protocol.md 2.6), served by the {@link Logging}
 * actor: {@code emit} (no reply at all), {@code verbosity}, {@code set_verbosity} and the original's
 * v2 methods {@code emit_ack}, {@code list_loggers}, {@code set_filter}, {@code remove_filter},
 * {@code list_filters}, {@code set_cluster_filter}; and {@code read}, the node's {@link LogRing}
 * for {@code cocaine logs}. With access control on, the methods that change what is written need the
 * token: whoever may silence the log may hide an attack.
 */
public final class LoggingService extends MethodService {
  public static final String NAME = "logging";
  public static final int VERSION = 2;
  public static final int EMIT = 0;
  public static final int VERBOSITY = 1;
  public static final int SET_VERBOSITY = 2;
  public static final int EMIT_ACK = 3;
  // 4 is the original's "get" (a named logger's channel), not served
  public static final int LIST_LOGGERS = 5;
  public static final int SET_FILTER = 6;
  public static final int REMOVE_FILTER = 7;
  public static final int LIST_FILTERS = 8;
  public static final int SET_CLUSTER_FILTER = 9;
  public static final int READ = 10;
  /** Largest filter accepted, packed: filters are checked for every record. */
  public static final int MAX_FILTER_BYTES = 4096;
  private static final Signature EMIT_ARGS = Signature.of(required("level", INT, "int 0-3"), required("source", STR),
      required("message", STR), optional("attributes", ARRAY, "[[name, value]]"));
  private static final Signature SET_VERBOSITY_ARGS = Signature.of(required("level", INT, "int 0-3"));
  private static final Signature SET_FILTER_ARGS = Signature.of(required("logger", STR),
      required("filter", ARRAY, "[op, ...]"), required("ttl", INT, "seconds"));
  private static final Signature REMOVE_FILTER_ARGS = Signature.of(required("id", INT));
  private static final Signature READ_ARGS = Signature.of(required("from", INT, "position, -1 = oldest"),
      optional("query", MAP, "{app, since (epoch ms), level, grep}"), optional("follow", BOOL));
  public static final Protocol PROTOCOL = Protocol.builder()
      .method(EMIT, "emit", EMIT_ARGS, Graph.TERMINAL, Graph.TERMINAL)
      .method(VERBOSITY, "verbosity", Signature.NONE, Graph.TERMINAL, Graph.PRIMITIVE)
      .method(SET_VERBOSITY, "set_verbosity", SET_VERBOSITY_ARGS, Graph.TERMINAL, Graph.PRIMITIVE)
      .method(EMIT_ACK, "emit_ack", EMIT_ARGS, Graph.TERMINAL, Graph.PRIMITIVE)
      .method(LIST_LOGGERS, "list_loggers", Signature.NONE, Graph.TERMINAL, Graph.PRIMITIVE)
      .method(SET_FILTER, "set_filter", SET_FILTER_ARGS, Graph.TERMINAL, Graph.PRIMITIVE)
      .method(REMOVE_FILTER, "remove_filter", REMOVE_FILTER_ARGS, Graph.TERMINAL, Graph.PRIMITIVE)
      .method(LIST_FILTERS, "list_filters", Signature.NONE, Graph.TERMINAL, Graph.PRIMITIVE)
      .method(SET_CLUSTER_FILTER, "set_cluster_filter", SET_FILTER_ARGS, Graph.TERMINAL, Graph.PRIMITIVE)
      .method(READ, "read", READ_ARGS, Graph.TERMINAL, Graph.STREAMING)
      .build();

  private final ActorSystem<?> system;
  private final ActorRef<Logging.Command> logging;
  private final Duration askTimeout;
  private final Clock clock;
  private final AccessToken access;
  private final Optional<RingReader> ring;
  private final Optional<ClusterFilters> cluster;

  /** @param askTimeout how long {@code verbosity} calls wait for the actor */
  public LoggingService(ActorSystem<?> system, ActorRef<Logging.Command> logging, Duration askTimeout) {
    this(system, logging, askTimeout, AccessToken.NONE);
  }

  /**
   * @param askTimeout how long calls wait for the actor
   * @param access the token the changing methods need
   * @param ring the node's ring, when it keeps one, with the executor its reads run on and how often
   *     a following {@code read} looks for new lines
   * @param cluster where {@code set_cluster_filter} keeps filters, when the node has a storage
   */
  public LoggingService(ActorSystem<?> system, ActorRef<Logging.Command> logging, Duration askTimeout,
      AccessToken access, Optional<LogRing> ring, Executor blocking, Duration followPoll,
      Optional<ClusterFilters> cluster) {
    this(system, logging, askTimeout, access, Clock.systemUTC(),
        ring.map(r -> new RingReader(r, blocking, followPoll)), cluster);
  }

  /**
   * @param askTimeout how long {@code verbosity} calls wait for the actor
   * @param access the token {@code set_verbosity} needs
   */
  public LoggingService(ActorSystem<?> system, ActorRef<Logging.Command> logging, Duration askTimeout,
      AccessToken access) {
    this(system, logging, askTimeout, access, Clock.systemUTC(), Optional.empty(), Optional.empty());
  }

  LoggingService(ActorSystem<?> system, ActorRef<Logging.Command> logging, Duration askTimeout, AccessToken access,
      Clock clock) {
    this(system, logging, askTimeout, access, clock, Optional.empty(), Optional.empty());
  }

  private LoggingService(ActorSystem<?> system, ActorRef<Logging.Command> logging, Duration askTimeout,
      AccessToken access, Clock clock, Optional<RingReader> ring, Optional<ClusterFilters> cluster) {
    super(NAME, VERSION, PROTOCOL);
    this.system = system;
    this.logging = logging;
    this.askTimeout = askTimeout;
    this.access = access;
    this.clock = clock;
    this.ring = ring;
    this.cluster = cluster;
  }

  @Override
  protected Source<Message, NotUsed> call(ChannelContext channel, Message first, Source<Message, NotUsed> rest) {
    switch (first.type()) {
      case EMIT:
        // emit has no upstream at all: a bad record can only be logged, never answered
        logging.tell(new Logging.Emit(record(first.args(), first.headers())));
        return Source.empty();
      case VERBOSITY:
        return replyWithin(askTimeout, this.<Logging.Verbosity>ask(Logging.GetVerbosity::new)
            .thenApply(v -> Message.value(Values.integer(v.level().level()))));
      case SET_VERBOSITY:
        Severity level = setVerbosityArgs(first.args());
        access.check(first.headers(), "logging.set_verbosity(" + level.level() + ")");
        return replyWithin(askTimeout, this.<Logging.Verbosity>ask(r -> new Logging.SetVerbosity(level, r))
            .thenApply(v -> Message.value()));
      case EMIT_ACK:
        LogRecord record = record(first.args(), first.headers());
        return replyWithin(askTimeout, this.<Boolean>ask(r -> new Logging.EmitAck(record, r))
            .thenApply(w -> Message.value(Values.bool(w))));
      case LIST_LOGGERS:
        return replyWithin(askTimeout, this.<List<String>>ask(Logging.ListLoggers::new)
            .thenApply(names -> Message.value(Values.strings(names))));
      case SET_FILTER:
      case SET_CLUSTER_FILTER:
        return setFilter(first);
      case REMOVE_FILTER:
        return removeFilter(first);
      case LIST_FILTERS:
        return replyWithin(askTimeout, this.<List<FilterTable.Filter>>ask(Logging.ListFilters::new)
            .thenApply(LoggingService::filterList));
      case READ:
        // the lines hold workers' output, which crashlogs keep behind the token too
        access.check(first.headers(), "logging.read");
        return read(first.args());
      default:
        throw noMethod(first);
    }
  }

  /** A refused emit is only logged: emit has no upstream to answer on. */
  @Override
  protected Source<Message, NotUsed> refuse(ChannelContext channel, Message first, CocaineException refusal) {
    Source<Message, NotUsed> answer = super.refuse(channel, first, refusal);
    return first.type() == EMIT ? Source.empty() : answer;
  }

  private <T> CompletionStage<T> ask(java.util.function.Function<ActorRef<T>, Logging.Command> command) {
    return AskPattern.ask(logging, command::apply, askTimeout, system.scheduler());
  }

  private Source<Message, NotUsed> setFilter(Message first) {
    boolean local = first.type() == SET_FILTER;
    String method = local ? "logging.set_filter" : "logging.set_cluster_filter";
    FilterRequest request = FilterRequest.of(method, SET_FILTER_ARGS, first.args());
    String logger = request.logger();
    access.check(first.headers(), method + "('" + logger + "')");
    FilterTable.Filter f = new FilterTable.Filter(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, logger,
        request.filter(), clock.instant().plusSeconds(request.ttlSeconds()),
        local ? FilterTable.Disposition.LOCAL : FilterTable.Disposition.CLUSTER);
    if (local) {
      return replyWithin(askTimeout, this.<Long>ask(r -> new Logging.SetFilter(f, r))
          .thenApply(id -> Message.value(Values.integer(id))));
    }
    ClusterFilters stored = cluster.orElseThrow(() -> new CocaineException(ErrorCode.SERVICE_NOT_AVAILABLE,
        method + ": this node has no cluster storage for filters"));
    return Source.completionStage(stored.store(f).thenApply(v -> Message.value(Values.integer(f.id())))
        .exceptionally(e -> Message.error(ErrorCode.IO_ERROR, method + ": cannot store the filter: " + e.getMessage())));
  }

  private Source<Message, NotUsed> removeFilter(Message first) {
    Value arg = first.args().get(0);
    if (!arg.asIntegerValue().isInLongRange() || arg.asIntegerValue().toLong() < 0) {
      throw REMOVE_FILTER_ARGS.invalid("logging.remove_filter", first.args(), "id must be a filter id from set_filter");
    }
    long id = arg.asIntegerValue().toLong();
    access.check(first.headers(), "logging.remove_filter(" + id + ")");
    CompletionStage<Boolean> removed = this.<Logging.Removed>ask(r -> new Logging.RemoveFilter(id, r))
        .thenCompose(r -> {
          boolean here = r.filter().isPresent();
          boolean clustered = r.filter().map(f -> f.disposition() == FilterTable.Disposition.CLUSTER).orElse(true);
          if (!clustered || cluster.isEmpty()) {
            return CompletableFuture.completedFuture(here);
          }
          return cluster.get().remove(id).thenApply(stored -> stored || here);
        });
    return replyWithin(askTimeout, removed.thenApply(b -> Message.value(Values.bool(b))));
  }

  private static Message filterList(List<FilterTable.Filter> filters) {
    List<Value> rows = new ArrayList<>();
    for (FilterTable.Filter f : filters) {
      rows.add(Values.array(Values.str(f.logger()), f.filter().toValue(), Values.integer(f.id()),
          Values.integer(f.disposition().ordinal())));
    }
    return Message.value(Values.array(rows));
  }

  private Source<Message, NotUsed> read(List<Value> args) {
    RingReader reader = ring.orElseThrow(() -> new CocaineException(ErrorCode.NOT_FOUND,
        "logging.read: this node keeps no log ring (cocaine.logging.ring.enabled is false)"));
    long from = args.get(0).asIntegerValue().isInLongRange() ? args.get(0).asIntegerValue().toLong() : 0;
    LogQuery query = args.size() > 1 && args.get(1).isMapValue() ? RingReader.query(args.get(1)) : LogQuery.ALL;
    boolean follow = args.size() > 2 && args.get(2).isBooleanValue() && args.get(2).asBooleanValue().getBoolean();
    return reader.lines(Math.max(from, 0), query, follow);
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
