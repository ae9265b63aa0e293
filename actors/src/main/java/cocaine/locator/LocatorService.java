package cocaine.locator;

import static cocaine.wire.Signature.Type.ARRAY;
import static cocaine.wire.Signature.Type.STR;
import static cocaine.wire.Signature.Type.STR_OR_STRS;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.japi.function.Function;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.msgpack.value.Value;
import org.msgpack.value.ValueFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code locator} service (version 3, docs/protocol.md 2.6): the wire face of the {@link Locator}
 * actor. Streams ({@code connect}, {@code routing}) end with {@code close} when the locator stops;
 * a {@code routing} or {@code publish} channel lasts until the client sends {@code discard} or
 * disconnects. With access control on, {@code publish} and {@code refresh} need the token, and a
 * published name belongs to the connection that published it ({@link NameClaims}).
 */
public final class LocatorService implements Service {
  public static final String NAME = "locator";
  public static final int VERSION = 3;
  public static final int RESOLVE = 0;
  public static final int CONNECT = 1;
  public static final int REFRESH = 2;
  public static final int CLUSTER = 3;
  public static final int PUBLISH = 4;
  public static final int ROUTING = 5;
  public static final int UUID = 6;
  /** What the client may send on a {@code publish}/{@code routing} channel: {@code {0: ["discard", {}]}}. */
  public static final Graph DISCARD = Graph.builder().edge(0, "discard", Graph.TERMINAL).build();
  private static final Signature PUBLISH_ARGS = Signature.of(required("name", STR),
      required("endpoints", ARRAY, "[[host: str, port: int]]"), optional("versioned", ARRAY, "[version: int, graph: map]"));
  public static final Protocol PROTOCOL = Protocol.builder()
      .method(RESOLVE, "resolve", Signature.of(required("name", STR), optional("seed", STR)), Graph.TERMINAL, Graph.PRIMITIVE)
      .method(CONNECT, "connect", Signature.of(required("node_uuid", STR)), Graph.TERMINAL, Graph.STREAMING)
      // 0.11 clients send one group name instead of a list
      .method(REFRESH, "refresh", Signature.of(required("groups", STR_OR_STRS)), Graph.TERMINAL, Graph.PRIMITIVE)
      .method(CLUSTER, "cluster", Signature.NONE, Graph.TERMINAL, Graph.PRIMITIVE)
      .method(PUBLISH, "publish", PUBLISH_ARGS, DISCARD, Graph.PRIMITIVE)
      // the tornado proxy and cocaine-tool send routing(uid, true): the extra is ignored
      .method(ROUTING, "routing", Signature.of(required("router_id", STR)), DISCARD, Graph.STREAMING)
      .method(UUID, "uuid", Signature.NONE, Graph.TERMINAL, Graph.PRIMITIVE)
      .build();

  private static final Logger log = LoggerFactory.getLogger(LocatorService.class);

  private final ActorSystem<?> system;
  private final ActorRef<Locator.Command> locator;
  private final String uuid;
  private final Duration askTimeout;
  private final AccessToken access;

  /** A locator without access control: anybody may publish, except over this runtime's own names. */
  public LocatorService(ActorSystem<?> system, ActorRef<Locator.Command> locator, String uuid, Duration askTimeout) {
    this(system, locator, uuid, askTimeout, AccessToken.NONE);
  }

  /**
   * @param uuid this node's id, the same the {@link Locator} was created with
   * @param askTimeout how long a call waits for the locator actor
   * @param access the token {@code publish} and {@code refresh} need
   */
  public LocatorService(ActorSystem<?> system, ActorRef<Locator.Command> locator, String uuid, Duration askTimeout,
      AccessToken access) {
    this.system = system;
    this.locator = locator;
    this.uuid = uuid;
    this.askTimeout = askTimeout;
    this.access = access;
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
    List<Value> args = first.args();
    try {
      switch (first.type()) {
        case RESOLVE:
          return resolve(args);
        case CONNECT:
          return stream(ask(r -> new Locator.Subscribe(Values.asString(args.get(0)), r)),
              updates -> updates.concat(Source.single(Message.close())));
        case REFRESH:
          return refresh(args, first.headers());
        case CLUSTER:
          return reply(this.<Locator.Nodes>ask(Locator.Cluster::new).thenApply(LocatorService::nodes));
        case PUBLISH:
          return publish(args, first.headers(), rest, channel);
        case ROUTING:
          // the client's discard (or its disconnect) completes rest, which ends the stream
          return stream(ask(r -> new Locator.Routing(Values.asString(args.get(0)), r)),
              updates -> updates.merge(rest.filter(m -> false), true).concat(Source.single(Message.close())));
        case UUID:
          return Source.single(Message.value(Values.str(uuid)));
        default:
          throw new CocaineException(ErrorCode.SLOT_NOT_FOUND, "locator has no method " + first.type());
      }
    } catch (CocaineException e) {
      log.warn("locator: refused a call from {}: {}", channel.peer(), e.getMessage());
      return Source.single(Message.error(e));
    }
  }

  private Source<Message, NotUsed> resolve(List<Value> args) {
    String name = Values.asString(args.get(0));
    Optional<String> seed = args.size() == 2 ? Optional.of(Values.asString(args.get(1))) : Optional.empty();
    return reply(this.<Locator.Resolved>ask(r -> new Locator.Resolve(name, seed, r)).thenApply(resolved -> {
      if (resolved instanceof Locator.Resolved.Ok ok) {
        List<Value> value = ok.info().toValue().asArrayValue().list();
        return new Message(Graph.VALUE, value, List.of());
      }
      return Message.error(((Locator.Resolved.Failed) resolved).error());
    }));
  }

  private Source<Message, NotUsed> refresh(List<Value> args, List<Header> headers) {
    List<String> groups = args.get(0).isRawValue() ? List.of(Values.asString(args.get(0))) : Values.asStrings(args.get(0));
    access.check(headers, "locator.refresh(" + groups + ")");
    return reply(this.<Locator.Refreshed>ask(r -> new Locator.Refresh(groups, r))
        .thenApply(r -> r.error().map(Message::error).orElseGet(Message::value)));
  }

  private Source<Message, NotUsed> publish(List<Value> args, List<Header> headers, Source<Message, NotUsed> rest,
      ChannelContext channel) {
    ServiceInfo info = publishedInfo(args);
    access.check(headers, "locator.publish('" + info.name() + "')");
    Owner.Peer owner = new Owner.Peer(channel.connectionId(), channel.peer());
    return Source.<Message, NotUsed>fromMaterializer((mat, attributes) -> {
      CompletionStage<Done> published = AskPattern.askWithStatus(locator,
          r -> new Locator.Claim(info, owner, access.required(), r), askTimeout, system.scheduler());
      // published while the channel lasts: discard or disconnect completes rest; a refused or
      // replaced entry is not withdrawn (Withdraw removes only this very entry). Logged after the
      // tell: once the line shows, a later call to the locator sees the withdrawal.
      rest.runWith(Sink.ignore(), mat).whenComplete((done, failure) -> published.whenComplete((p, e) -> {
        locator.tell(new Locator.Withdraw(info, system.ignoreRef()));
        log.info("locator: publish of '{}' by {} ended{}", info.name(), channel.peer(),
            e == null ? "" : " (it had not been granted)");
      }));
      return reply(published.thenApply(d -> Message.value()).exceptionally(e -> refused(channel, e)));
    }).mapMaterializedValue(m -> NotUsed.getInstance());
  }

  /** A refused claim becomes its error reply, logged once with the peer. */
  private Message refused(ChannelContext channel, Throwable e) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    if (cause instanceof CocaineException ce) {
      log.warn("locator: refused a call from {}: {}", channel.peer(), ce.getMessage());
    }
    return timedOut(e);
  }

  private static ServiceInfo publishedInfo(List<Value> args) {
    String name = Values.asString(args.get(0));
    List<Endpoint> endpoints = new ArrayList<>();
    for (Value e : args.get(1).asArrayValue()) {
      if (!e.isArrayValue() || e.asArrayValue().size() != 2 || !e.asArrayValue().get(0).isRawValue()
          || !e.asArrayValue().get(1).isIntegerValue()) {
        throw PUBLISH_ARGS.invalid("locator.publish", args, "each endpoint must be [host: str, port: int], got " + e);
      }
      var portValue = e.asArrayValue().get(1).asIntegerValue();
      long port = portValue.isInLongRange() ? portValue.toLong() : -1;
      if (port < 0 || port > 65535) {
        throw new CocaineException(ErrorCode.INVALID_ARGUMENT, "locator.publish: port must be 0..65535, got " + portValue);
      }
      endpoints.add(new Endpoint(Values.asString(e.asArrayValue().get(0)), (int) port));
    }
    if (endpoints.isEmpty()) {
      throw new CocaineException(ErrorCode.INVALID_ARGUMENT, "locator.publish: '" + name + "' needs at least one endpoint");
    }
    if (args.size() == 2) {
      return new ServiceInfo(name, endpoints, 1, Protocol.builder().build());
    }
    List<Value> versioned = args.get(2).asArrayValue().list();
    if (versioned.size() != 2 || !isInt(versioned.get(0)) || !versioned.get(1).isMapValue()) {
      throw PUBLISH_ARGS.invalid("locator.publish", args, "'versioned' must be [version: int, graph: map]");
    }
    return new ServiceInfo(name, endpoints, versioned.get(0).asIntegerValue().asInt(), protocolOf(versioned.get(1)));
  }

  /** A root protocol from its wire shape {@code {id: [name, dispatch, upstream]}}. */
  static Protocol protocolOf(Value root) {
    Protocol.Builder protocol = Protocol.builder();
    for (Map.Entry<Value, Value> e : root.asMapValue().entrySet()) {
      List<Value> m = e.getValue().isArrayValue() ? e.getValue().asArrayValue().list() : List.of();
      if (!isInt(e.getKey()) || m.size() != 3 || !m.get(0).isRawValue()) {
        throw new CocaineException(ErrorCode.INVALID_ARGUMENT,
            "locator.publish: graph entries must be {id: [name, dispatch, upstream]}, got " + e.getKey() + ": " + e.getValue());
      }
      protocol.method(e.getKey().asIntegerValue().asInt(), Values.asString(m.get(0)), graphOf(m.get(1)), graphOf(m.get(2)));
    }
    return protocol.build();
  }

  private static Graph graphOf(Value v) {
    if (v.isNilValue()) {
      return Graph.RECURSIVE;
    }
    if (!v.isMapValue()) {
      throw new CocaineException(ErrorCode.INVALID_ARGUMENT, "locator.publish: a graph must be nil or a map, got " + v);
    }
    if (v.asMapValue().size() == 0) {
      return Graph.TERMINAL;
    }
    Graph.Builder graph = Graph.builder();
    for (Map.Entry<Value, Value> e : v.asMapValue().entrySet()) {
      List<Value> edge = e.getValue().isArrayValue() ? e.getValue().asArrayValue().list() : List.of();
      if (!isInt(e.getKey()) || edge.size() != 2 || !edge.get(0).isRawValue()) {
        throw new CocaineException(ErrorCode.INVALID_ARGUMENT,
            "locator.publish: graph edges must be {id: [name, next]}, got " + e.getKey() + ": " + e.getValue());
      }
      graph.edge(e.getKey().asIntegerValue().asInt(), Values.asString(edge.get(0)), graphOf(edge.get(1)));
    }
    return graph.build();
  }

  private static Message nodes(Locator.Nodes nodes) {
    ValueFactory.MapBuilder map = ValueFactory.newMapBuilder();
    nodes.nodes().forEach((id, e) -> map.put(Values.str(id), Values.array(Values.str(e.host()), Values.integer(e.port()))));
    return Message.value(map.build());
  }

  private <T> CompletionStage<T> ask(Function<ActorRef<T>, Locator.Command> message) {
    return AskPattern.ask(locator, message::apply, askTimeout, system.scheduler());
  }

  /** One reply message; a locator that does not answer in time becomes an error reply. */
  private Source<Message, NotUsed> reply(CompletionStage<Message> answer) {
    return Source.completionStage(answer.exceptionally(this::timedOut));
  }

  /** The subscription's writes shaped by {@code ending}, or one error when the locator does not answer. */
  private Source<Message, NotUsed> stream(CompletionStage<Locator.Subscribed> subscribed,
      java.util.function.Function<Source<Message, NotUsed>, Source<Message, NotUsed>> ending) {
    return Source.completionStageSource(subscribed.thenApply(s -> ending.apply(s.updates()))
            .exceptionally(e -> Source.single(timedOut(e))))
        .mapMaterializedValue(m -> NotUsed.getInstance());
  }

  private Message timedOut(Throwable e) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    if (cause instanceof CocaineException ce) {
      return Message.error(ce);
    }
    log.warn("locator: no answer from the locator actor: {}", cause.toString());
    return Message.error(ErrorCode.TIMEOUT, "locator did not answer within " + askTimeout.toMillis() + " ms");
  }

  private static boolean isInt(Value v) {
    return v.isIntegerValue() && v.asIntegerValue().isInIntRange();
  }
}
