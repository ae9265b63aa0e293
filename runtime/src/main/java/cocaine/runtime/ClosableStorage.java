package cocaine.runtime;

import cocaine.config.Settings;
import cocaine.config.StorageSettings;
import cocaine.locator.Locator;
import cocaine.storage.FilesStorage;
import cocaine.storage.LocalCopy;
import cocaine.storage.Storage;
import cocaine.storage.zookeeper.StorageChange;
import cocaine.storage.zookeeper.ZookeeperStorage;
import cocaine.storage.KeyWatch;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The storage backend a role runs on, chosen by {@code cocaine.storage.backend}: files on one
 * machine, ZooKeeper for a cluster, where changes to routing groups are pushed, not polled, and what
 * the node runs from is copied to {@code paths.storage/local-copy} ({@link LocalCopy}).
 * Its {@link KeyWatch} is ZooKeeper's watches on a cluster; on files, the writes and removals made
 * through this object (the storage service, so the CLI's too) once they succeeded.
 */
final class ClosableStorage implements Storage, KeyWatch, AutoCloseable {
  private static final int FILES_IO_THREADS = 2;
  private static final int FILES_QUEUE = 1024;
  private static final String LOCAL_COPY = "local-copy";
  /** The collections a node starts its apps from. */
  private static final Set<String> RUNS_FROM = Set.of("desired", "manifests", "profiles", "apps", "runlists");

  private final Storage backend;
  private final AutoCloseable closer;
  private final ZookeeperStorage zookeeper;
  /** Files backend only: who follows which collection. */
  private final Map<String, List<Consumer<String>>> local = new ConcurrentHashMap<>();

  private ClosableStorage(Storage backend, AutoCloseable closer, ZookeeperStorage zookeeper) {
    this.backend = backend;
    this.closer = closer;
    this.zookeeper = zookeeper;
  }

  static ClosableStorage open(Settings settings) {
    if (settings.storage().backend() == StorageSettings.Backend.ZOOKEEPER) {
      ZookeeperStorage zk = ZookeeperStorage.open(settings);
      // what the node runs from, kept under paths.storage: a node started while ZooKeeper is away runs it
      FilesStorage copy = FilesStorage.create(settings.paths().storage().resolve(LOCAL_COPY), FILES_IO_THREADS,
          FILES_QUEUE);
      return new ClosableStorage(new LocalCopy(zk, copy, RUNS_FROM), () -> {
        try (copy) {
          zk.close();
        }
      }, zk);
    }
    FilesStorage files = FilesStorage.create(settings.paths().storage(), FILES_IO_THREADS, FILES_QUEUE);
    return new ClosableStorage(files, files, null);
  }

  /** Calls {@code onChange} with a group's name when ZooKeeper reports it changed; nothing on files. */
  void watchGroups(Consumer<String> onChange) {
    if (zookeeper != null) {
      zookeeper.watch(Locator.GROUPS, (StorageChange change) -> onChange.accept(change.key()));
    }
  }

  @Override
  public AutoCloseable watch(String collection, Consumer<String> onKey) {
    if (zookeeper != null) {
      return zookeeper.watch(collection, (StorageChange change) -> onKey.accept(change.key()));
    }
    List<Consumer<String>> listeners = local.computeIfAbsent(collection, c -> new CopyOnWriteArrayList<>());
    listeners.add(onKey);
    return () -> listeners.remove(onKey);
  }

  private CompletionStage<Void> told(String collection, String key, CompletionStage<Void> done) {
    List<Consumer<String>> listeners = local.get(collection);
    if (listeners == null) {
      return done;
    }
    return done.thenApply(v -> {
      listeners.forEach(l -> l.accept(key));
      return v;
    });
  }

  @Override
  public CompletionStage<byte[]> read(String collection, String key) {
    return backend.read(collection, key);
  }

  @Override
  public CompletionStage<Void> write(String collection, String key, byte[] blob, List<String> tags) {
    return told(collection, key, backend.write(collection, key, blob, tags));
  }

  @Override
  public CompletionStage<Void> remove(String collection, String key) {
    return told(collection, key, backend.remove(collection, key));
  }

  @Override
  public CompletionStage<List<String>> find(String collection, List<String> tags) {
    return backend.find(collection, tags);
  }

  @Override
  public void close() {
    try {
      closer.close();
    } catch (Exception e) {
      throw new IllegalStateException("closing storage: " + e.getMessage(), e);
    }
  }
}
