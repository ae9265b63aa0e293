package cocaine.unicorn;

import static cocaine.wire.Signature.Type.ANY;
import static cocaine.wire.Signature.Type.INT;
import static cocaine.wire.Signature.Type.STR;
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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.msgpack.value.Value;

/**
 * The {@code unicorn} service (version 1, docs/protocol.md 2.6): the original's ZooKeeper-backed
 * tree of msgpack values with versions, subscriptions and locks, confined to its root
 * ({@code cocaine.services.unicorn.root}). Every channel's dispatch after the call is
 * {@code {0: close}}: closing it (or disconnecting) ends a subscription and releases a lock. With
 * access control on, calls that change the tree (put, create, del, remove, increment, lock,
 * named_lock) need the token, and so do reads of {@code private-paths}.
 */
public final class UnicornService extends MethodService {
  public static final String NAME = "unicorn";
  public static final int VERSION = 1;
  public static final int SUBSCRIBE = 0;
  public static final int CHILDREN_SUBSCRIBE = 1;
  public static final int PUT = 2;
  public static final int GET = 3;
  public static final int CREATE = 4;
  public static final int DEL = 5;
  public static final int REMOVE = 6;
  public static final int INCREMENT = 7;
  public static final int LOCK = 8;
  public static final int NAMED_LOCK = 9;
  /** What a caller may send after its call: only {@code close}. */
  static final Graph FINAL = Graph.builder().edge(0, "close", Graph.TERMINAL).build();
  private static final Signature PATH = Signature.of(required("path", STR));
  private static final Signature PATH_VALUE = Signature.of(required("path", STR), required("value", ANY));
  private static final Signature PATH_VERSION = Signature.of(required("path", STR), required("version", INT));
  public static final Protocol PROTOCOL = Protocol.builder()
      .method(SUBSCRIBE, "subscribe", PATH, FINAL, Graph.STREAMING)
      .method(CHILDREN_SUBSCRIBE, "children_subscribe", PATH, FINAL, Graph.STREAMING)
      .method(PUT, "put", Signature.of(required("path", STR), required("value", ANY), required("version", INT)),
          FINAL, Graph.PRIMITIVE)
      .method(GET, "get", PATH, FINAL, Graph.PRIMITIVE)
      .method(CREATE, "create", PATH_VALUE, FINAL, Graph.PRIMITIVE)
      .method(DEL, "del", PATH_VERSION, FINAL, Graph.PRIMITIVE)
      .method(REMOVE, "remove", PATH_VERSION, FINAL, Graph.PRIMITIVE)
      .method(INCREMENT, "increment", PATH_VALUE, FINAL, Graph.PRIMITIVE)
      .method(LOCK, "lock", PATH, FINAL, Graph.PRIMITIVE)
      .method(NAMED_LOCK, "named_lock", PATH_VALUE, FINAL, Graph.PRIMITIVE)
      .build();

  private final ActorRef<Unicorn.Command> unicorn;
  private final Znodes znodes;
  private final AccessToken access;
  private final int buffer;

  /** @param buffer updates a subscriber may leave untaken (subscription-buffer) */
  public UnicornService(ActorRef<Unicorn.Command> unicorn, Znodes znodes, AccessToken access, int buffer) {
    super(NAME, VERSION, PROTOCOL);
    this.unicorn = unicorn;
    this.znodes = znodes;
    this.access = access;
    this.buffer = buffer;
  }

  @Override
  protected Source<Message, NotUsed> call(ChannelContext channel, Message first, Source<Message, NotUsed> rest) {
    List<Value> args = first.args();
    String who = who(channel);
    String path = Values.asString(args.get(0));
    String method = PROTOCOL.method(first.type()).name();
    authorize(first.type(), method, path, first.headers());
    switch (first.type()) {
      case SUBSCRIBE:
      case CHILDREN_SUBSCRIBE:
        return subscribe(path, first.type() == CHILDREN_SUBSCRIBE, rest, who);
      case PUT:
        return reply(channel, znodes.put(path, args.get(1), Values.asLong(args.get(2)))
            .thenApply(p -> Message.value(Values.bool(p.written()), p.now().toValue())));
      case GET:
        return reply(channel, znodes.get(path).thenApply(v -> Message.value(v.toValue())));
      case CREATE:
        return reply(channel, znodes.create(path, args.get(1)).thenApply(b -> Message.value(Values.bool(b))));
      case DEL:
      case REMOVE:
        return reply(channel, znodes.remove(path, Values.asLong(args.get(1))).thenApply(b -> Message.value(Values.bool(b))));
      case INCREMENT:
        return reply(channel, znodes.increment(path, args.get(1)).thenApply(v -> Message.value(v.toValue())));
      case LOCK:
        return lock(path, znodes.pack(Values.integer(System.currentTimeMillis() / 1000)), rest, who, channel);
      case NAMED_LOCK:
        return lock(path, znodes.pack(args.get(1)), rest, who, channel);
      default:
        throw noMethod(first);
    }
  }

  /** Unicorn's refusals name the channel and the code, as a lock or a subscription is a channel's. */
  @Override
  protected Source<Message, NotUsed> refuse(ChannelContext channel, Message first, CocaineException refusal) {
    log.warn("unicorn: refused a call from {}: {} {}", who(channel), refusal.code(), refusal.getMessage());
    return Source.single(Message.error(refusal));
  }

  private static String who(ChannelContext channel) {
    return channel.peer() + " (channel " + channel.channel() + ")";
  }

  private void authorize(int type, String method, String path, List<Header> headers) {
    boolean read = type == GET || type == SUBSCRIBE || type == CHILDREN_SUBSCRIBE;
    if (!read) {
      access.check(headers, "unicorn." + method + "('" + path + "')");
    } else if (znodes.prefix().isPrivate(path)) {
      access.check(headers, "unicorn." + method + "('" + path + "') reads a private path and");
    }
  }

  private Source<Message, NotUsed> subscribe(String path, boolean children, Source<Message, NotUsed> rest, String who) {
    znodes.prefix().znode(path); // an invalid path is refused before anything starts
    Source<Message, NotUsed> updates = Source.<Message>queue(buffer).watchTermination((queue, finished) -> {
      unicorn.tell(new Unicorn.Subscribe(path, children, queue, finished, who));
      return NotUsed.getInstance();
    });
    // the caller's close (or its disconnect) completes rest, which ends the updates; we close too
    return updates.merge(rest.filter(m -> false), true).concat(Source.single(Message.close()));
  }

  private Source<Message, NotUsed> lock(String path, byte[] data, Source<Message, NotUsed> rest, String who,
      ChannelContext channel) {
    znodes.prefix().znode(path);
    return Source.<Message, NotUsed>fromMaterializer((mat, attributes) -> {
      CompletableFuture<Boolean> acquired = new CompletableFuture<>();
      CompletionStage<Done> released = rest.runWith(Sink.ignore(), mat);
      unicorn.tell(new Unicorn.Take(path, data, acquired, released, who));
      return reply(channel, acquired.thenApply(b -> Message.value(Values.bool(b))));
    }).mapMaterializedValue(m -> NotUsed.getInstance());
  }

  @Override
  protected Message failed(ChannelContext channel, Throwable cause) {
    if (cause instanceof java.util.concurrent.CancellationException) {
      // the caller closed the channel or left before the lock was taken: nobody reads this
      return Message.error(ErrorCode.CLOSED_UPSTREAM, "the channel was closed before the lock was taken");
    }
    if (cause instanceof CocaineException ce) {
      log.info("unicorn: {} for {}", ce.getMessage(), channel.peer());
      return Message.error(ce);
    }
    log.error("unicorn: unexpected failure serving {}", channel.peer(), cause);
    return Message.error(UnicornError.BACKEND_INTERNAL_ERROR.code(), "unicorn failed: " + cause);
  }
}
