package cocaine.logging;

import cocaine.storage.KeyWatch;
import cocaine.storage.Storage;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Values;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.msgpack.value.Value;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's logging filters ({@code set_cluster_filter}), kept in the storage (collection
 * {@value #COLLECTION}, one key per filter id) so that every node sharing the storage applies them:
 * each node loads them at start and follows the collection's changes into its {@link Logging} actor.
 */
public final class ClusterFilters {
  public static final String COLLECTION = "logging-filters";
  static final List<String> TAGS = List.of("logging-filter");
  private static final Logger log = LoggerFactory.getLogger(ClusterFilters.class);

  private final Storage storage;
  private final ActorRef<Logging.Command> logging;
  private final ActorSystem<?> system;

  public ClusterFilters(Storage storage, ActorRef<Logging.Command> logging, ActorSystem<?> system) {
    this.storage = storage;
    this.logging = logging;
    this.system = system;
  }

  /** Loads the stored filters into the actor and follows the collection; close the result to stop. */
  public AutoCloseable follow(KeyWatch watch) {
    AutoCloseable handle = watch.watch(COLLECTION, this::reload);
    storage.find(COLLECTION, TAGS).whenComplete((keys, failure) -> {
      if (failure != null) {
        log.warn("logging: cannot list the cluster filters in {}: {}", COLLECTION, failure.getMessage());
      } else {
        keys.forEach(this::reload);
      }
    });
    return handle;
  }

  /** Stores a filter for every node; the actor of this node gets it at once. */
  public CompletionStage<Void> store(FilterTable.Filter filter) {
    return storage.write(COLLECTION, Long.toUnsignedString(filter.id()), encode(filter), TAGS)
        .thenRun(() -> logging.tell(new Logging.SetFilter(filter, ignore())));
  }

  /** Removes a stored filter everywhere; false when the storage has no filter of that id. */
  public CompletionStage<Boolean> remove(long id) {
    String key = Long.toUnsignedString(id);
    // read first: a backend's remove of a missing key may succeed, and the caller is told "none"
    return storage.read(COLLECTION, key)
        .handle((blob, failure) -> {
          if (failure == null) {
            return storage.remove(COLLECTION, key).thenApply(v -> {
              logging.tell(new Logging.RemoveFilter(id, ignore()));
              return true;
            });
          }
          if (cause(failure) instanceof CocaineException c && c.code().equals(ErrorCode.NOT_FOUND)) {
            return CompletableFuture.completedFuture(false);
          }
          return CompletableFuture.<Boolean>failedFuture(cause(failure));
        })
        .thenCompose(f -> f);
  }

  private void reload(String key) {
    long id;
    try {
      id = Long.parseUnsignedLong(key);
    } catch (NumberFormatException e) {
      log.warn("logging: {}/{} is not a filter id, skipped", COLLECTION, key);
      return;
    }
    storage.read(COLLECTION, key).whenComplete((blob, failure) -> {
      if (failure == null) {
        try {
          logging.tell(new Logging.SetFilter(decode(blob), ignore()));
        } catch (RuntimeException bad) {
          log.warn("logging: cluster filter {}/{} is unreadable, skipped: {}", COLLECTION, key, bad.getMessage());
        }
      } else if (cause(failure) instanceof CocaineException c && c.code().equals(ErrorCode.NOT_FOUND)) {
        logging.tell(new Logging.RemoveFilter(id, ignore()));
      } else {
        log.warn("logging: cannot read cluster filter {}/{}: {}", COLLECTION, key, failure.getMessage());
      }
    });
  }

  /** msgpack {@code {id, logger, filter, deadline (epoch ms)}}. */
  static byte[] encode(FilterTable.Filter f) {
    return FrameEncoder.encodeValue(Values.fromJava(Map.of("id", Long.toUnsignedString(f.id()), "logger", f.logger(),
        "filter", f.filter().toValue(), "deadline", f.deadline().toEpochMilli())));
  }

  static FilterTable.Filter decode(byte[] blob) {
    Value v = Values.unpack(blob);
    Map<String, Value> m = new java.util.HashMap<>();
    v.asMapValue().entrySet().forEach(e -> m.put(Values.asString(e.getKey()), e.getValue()));
    return new FilterTable.Filter(Long.parseUnsignedLong(Values.asString(m.get("id"))), Values.asString(m.get("logger")),
        LogFilter.parse(m.get("filter")), Instant.ofEpochMilli(Values.asLong(m.get("deadline"))),
        FilterTable.Disposition.CLUSTER);
  }

  private static Throwable cause(Throwable e) {
    return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
  }

  private <T> ActorRef<T> ignore() {
    return system.ignoreRef();
  }
}
