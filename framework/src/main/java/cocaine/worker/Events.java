package cocaine.worker;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The events a worker serves, each with a blocking {@link Handler} or a {@link ChunkHandler}, never
 * both. Registered from any thread, looked up by the reader.
 */
final class Events {
  private final Map<String, Handler> handlers = new ConcurrentHashMap<>();
  private final Map<String, ChunkHandler> chunkHandlers = new ConcurrentHashMap<>();

  void on(String event, Handler handler) {
    chunkHandlers.remove(event);
    handlers.put(event, handler);
  }

  void onChunks(String event, ChunkHandler handler) {
    handlers.remove(event);
    chunkHandlers.put(event, handler);
  }

  /** The {@link ChunkHandler} of {@code event}, or null. */
  ChunkHandler chunkHandler(String event) {
    return chunkHandlers.get(event);
  }

  /** The {@link Handler} of {@code event}, or null. */
  Handler handler(String event) {
    return handlers.get(event);
  }

  /** Every event served, sorted: for the log line of an event that is not. */
  Set<String> names() {
    Set<String> names = new TreeSet<>(handlers.keySet());
    names.addAll(chunkHandlers.keySet());
    return names;
  }
}
