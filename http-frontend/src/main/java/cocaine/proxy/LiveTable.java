package cocaine.proxy;

import java.util.Map;

/**
 * What a {@link StoredFeed} keeps equal to one storage collection: the collection's name, how one
 * stored object reads, and the values in force now. Thread-safe: requests read it while the feed
 * replaces a key's entry.
 *
 * @param <T> the value of one key
 */
interface LiveTable<T> {
  /** The storage collection (and the tag each of its keys carries, so that {@code find} lists them). */
  String collection();

  /**
   * The value of the stored object of {@code <collection>/<key>}.
   *
   * @throws IllegalArgumentException naming what is wrong; the key's previous value stays
   */
  T parse(String key, Object stored);

  /** Replaces the stored value of key; null removes it (the configured value applies again). */
  void put(String key, T value);

  /** The stored values now, key -> value. */
  Map<String, T> stored();
}
