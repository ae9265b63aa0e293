package cocaine.node;

import cocaine.storage.Storage;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Values;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/** Storage in memory for tests, with the files backend's "not found" error. */
public final class MemoryStorage implements Storage {
  record Entry(byte[] blob, List<String> tags) {}

  final Map<String, Entry> entries = new ConcurrentHashMap<>();

  @Override
  public CompletionStage<byte[]> read(String collection, String key) {
    Entry e = entries.get(collection + "/" + key);
    return e == null
        ? CompletableFuture.failedFuture(new CocaineException(ErrorCode.NOT_FOUND, collection + "/" + key + ": No such file or directory"))
        : CompletableFuture.completedFuture(e.blob());
  }

  @Override
  public CompletionStage<Void> write(String collection, String key, byte[] blob, List<String> tags) {
    entries.put(collection + "/" + key, new Entry(blob, List.copyOf(tags)));
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletionStage<Void> remove(String collection, String key) {
    entries.remove(collection + "/" + key);
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletionStage<List<String>> find(String collection, List<String> tags) {
    return CompletableFuture.completedFuture(entries.entrySet().stream()
        .filter(e -> e.getKey().startsWith(collection + "/") && e.getValue().tags().containsAll(tags))
        .map(e -> e.getKey().substring(collection.length() + 1))
        .sorted()
        .toList());
  }

  /** Stores a map the way cocaine-tool does: msgpack. */
  public void putMap(String collection, String key, Map<String, ?> value) {
    write(collection, key, FrameEncoder.encodeValue(Values.fromJava(value)), List.of());
  }

  /** Keys of a collection, e.g. the crashlogs written so far. */
  public List<String> keys(String collection) {
    return find(collection, List.of()).toCompletableFuture().join();
  }
}
