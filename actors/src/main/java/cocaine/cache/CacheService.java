package cocaine.cache;

import static cocaine.wire.Signature.Type.STR;
import static cocaine.wire.Signature.required;

import cocaine.rpc.service.ChannelContext;
import cocaine.rpc.service.MethodService;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Protocol;
import cocaine.wire.Signature;
import cocaine.wire.Values;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.stream.javadsl.Source;
import org.msgpack.value.Value;

/**
 * The {@code cache} service (version 1, as the original plugin): {@code get(key)} answers
 * {@code [exists, value]}, {@code put(key, value)} answers {@code []}; the entries live in the
 * {@link Cache} actor within its byte budget.
 */
public final class CacheService extends MethodService {
  public static final String NAME = "cache";
  public static final int VERSION = 1;
  public static final int GET = 0;
  public static final int PUT = 1;
  public static final Protocol PROTOCOL = Protocol.builder()
      .method(GET, "get", Signature.of(required("key", STR)), Graph.TERMINAL, Graph.PRIMITIVE)
      .method(PUT, "put", Signature.of(required("key", STR), required("value", STR)), Graph.TERMINAL, Graph.PRIMITIVE)
      .build();

  private final ActorSystem<?> system;
  private final ActorRef<Cache.Command> cache;
  private final Duration askTimeout;

  /** @param askTimeout how long a call waits for the cache actor */
  public CacheService(ActorSystem<?> system, ActorRef<Cache.Command> cache, Duration askTimeout) {
    super(NAME, VERSION, PROTOCOL);
    this.system = system;
    this.cache = cache;
    this.askTimeout = askTimeout;
  }

  @Override
  protected Source<Message, NotUsed> call(ChannelContext channel, Message first, Source<Message, NotUsed> rest) {
    String key = Values.asString(first.args().get(0));
    CompletionStage<Message> reply = switch (first.type()) {
      case GET -> AskPattern.<Cache.Command, Cache.Found>ask(cache, r -> new Cache.Get(key, r), askTimeout,
          system.scheduler()).thenApply(found -> Message.value(Values.bool(found.value().isPresent()),
              found.value().orElse(Values.str(""))));
      case PUT -> {
        Value value = first.args().get(1);
        int size = Values.asBytes(value).length;
        yield AskPattern.<Cache.Command, Cache.Stored>ask(cache, r -> new Cache.Put(key, value, size, r), askTimeout,
            system.scheduler()).thenApply(stored -> {
              if (stored.refusal() != null) {
                log.warn("cache: refused a put from {}: {}", channel.peer(), stored.refusal().getMessage());
                return Message.error(stored.refusal());
              }
              return Message.value();
            });
      }
      default -> throw noMethod(first);
    };
    return replyWithin(askTimeout, reply);
  }
}
