package cocaine.storage.zookeeper;

import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A watch of one collection (see {@link ZookeeperStorage#watch}): a Curator cache of the collection's
 * znode whose events are told to the listener as {@link StorageChange}s of its keys; the cache
 * re-arms ZooKeeper's watches across reconnects. Closing it stops the events.
 */
final class CollectionWatch implements AutoCloseable {
  // the storage's logger: a failing watcher is the storage's caller's bug
  private static final Logger log = LoggerFactory.getLogger(ZookeeperStorage.class);

  private final CuratorCache cache;

  private CollectionWatch(CuratorCache cache) {
    this.cache = cache;
  }

  /** Starts watching the collection whose znode is {@code path}; keys present now come as {@code CREATED}. */
  static CollectionWatch start(CuratorFramework client, String path, String collection,
      Consumer<StorageChange> listener) {
    String base = path + "/";
    CuratorCache cache = CuratorCache.build(client, path);
    cache.listenable().addListener(CuratorCacheListener.builder()
        .forCreates(d -> emit(base, collection, d, StorageChange.Kind.CREATED, listener))
        .forChanges((before, after) -> emit(base, collection, after, StorageChange.Kind.CHANGED, listener))
        .forDeletes(d -> emit(base, collection, d, StorageChange.Kind.REMOVED, listener))
        .build());
    cache.start();
    return new CollectionWatch(cache);
  }

  /**
   * Tells the listener of a key: a znode right under {@code base}; the collection's own znode and
   * anything deeper are not keys. A listener that throws is logged, and the next event still comes.
   */
  static void emit(String base, String collection, ChildData d, StorageChange.Kind kind,
      Consumer<StorageChange> listener) {
    String path = d.getPath();
    if (path.startsWith(base) && path.indexOf('/', base.length()) < 0) {
      try {
        listener.accept(new StorageChange(collection, path.substring(base.length()), kind));
      } catch (RuntimeException e) {
        log.error("storage: a watcher of '{}' failed on {}: {}", collection, path, e.toString());
      }
    }
  }

  @Override
  public void close() {
    cache.close();
  }
}
