package cocaine.storage;

import java.util.function.Consumer;

/**
 * Pushes the keys of a collection that change, so a follower re-reads only those (ZooKeeper's
 * watches in a cluster; on one machine, the writes that go through this process's storage).
 */
public interface KeyWatch {
  /**
   * Calls {@code onKey} with the key of each create, change or removal in {@code collection} from
   * now on (it may also be called for keys present now); on a storage thread, so keep it short.
   * Close the handle to stop.
   */
  AutoCloseable watch(String collection, Consumer<String> onKey);
}
