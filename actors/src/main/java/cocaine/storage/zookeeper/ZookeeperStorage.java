package cocaine.storage.zookeeper;

import cocaine.config.Settings;
import cocaine.config.SettingsException;
import cocaine.config.ZookeeperSettings;
import cocaine.storage.Storage;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code zookeeper} storage backend, shared by the nodes of a cluster, with the semantics of
 * the files backend: the value of a key is the znode {@code <root>/<collection>/<key>}; a tag is
 * the znode {@code <root>/.tags/<collection>/<tag>/<key>}, written and removed in the same
 * ZooKeeper transaction as the value, so a reader sees the value and its tags change together.
 * Values above {@code chunk-bytes} (ZooKeeper refuses znodes near 1 MiB) are written as chunks
 * under {@code <root>/.chunks/} first and then switched to by one atomic update of the key's znode.
 * Blocking calls run on this backend's own bounded pool; past {@code queue-limit} waiting
 * operations a call fails at once. While ZooKeeper is unreachable calls fail with {@code [12, 5]}
 * and a message saying so, after {@code connection-timeout} for one call at a time and at once for
 * the others.
 */
public final class ZookeeperStorage implements Storage, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ZookeeperStorage.class);
  // Each lost attempt means another writer won; with N writers of one key a write may lose N - 1
  // times in a row, so the bound is well above the writers a cluster has, yet finite.
  private static final int ATTEMPTS = 32;
  /**
   * The largest chunk: ZooKeeper's default jute.maxbuffer (1 MiB) bounds a whole request, so a
   * chunk leaves 16 KiB of it for the request around the data (path, ACL, framing).
   */
  static final int MAX_CHUNK_BYTES = (1 << 20) - 16 * 1024;
  private static final String CHUNK_BYTES = "chunk-bytes";

  private final CuratorFramework client;
  private final Layout layout;
  private final int chunkBytes;
  private final Chunks chunks;
  private final CallQueue calls;

  private ZookeeperStorage(CuratorFramework client, Layout layout, int chunkBytes, CallQueue calls) {
    this.client = client;
    this.layout = layout;
    this.chunkBytes = chunkBytes;
    this.chunks = new Chunks(client, layout, chunkBytes);
    this.calls = calls;
  }

  /** As configured: {@code cocaine.storage.zookeeper.*}. */
  public static ZookeeperStorage open(Settings settings) {
    Config c = settings.config().getConfig("cocaine.storage.zookeeper");
    return open(settings.storage().zookeeper(), c.getDuration("connection-timeout"), c.getInt("io-threads"),
        c.getInt("queue-limit"), chunkBytes(c));
  }

  /**
   * {@code chunk-bytes} of {@code c} ({@code cocaine.storage.zookeeper}), from 1 to {@link #MAX_CHUNK_BYTES}.
   *
   * @throws SettingsException naming the key, its value and the bound
   */
  static int chunkBytes(Config c) {
    String key = "cocaine.storage.zookeeper." + CHUNK_BYTES;
    long n;
    try {
      n = c.getBytes(CHUNK_BYTES);
    } catch (ConfigException e) {
      throw new SettingsException("bad value for '" + key + "': must be a size like 512KiB, got "
          + (c.hasPath(CHUNK_BYTES) ? c.getValue(CHUNK_BYTES).render() : "nothing"), e);
    }
    if (n < 1 || n > MAX_CHUNK_BYTES) {
      throw new SettingsException("bad value for '" + key + "': must be from 1 to " + MAX_CHUNK_BYTES
          + " bytes (ZooKeeper's jute.maxbuffer, 1 MiB, less 16 KiB for the request around a chunk), got " + n);
    }
    return (int) n;
  }

  /**
   * Connects (in the background: an unreachable ZooKeeper is logged, and calls fail until it is back).
   *
   * @param connectionTimeout how long one call waits for a connection before it fails
   * @param chunkBytes values larger than this are split; keep it well under ZooKeeper's jute.maxbuffer (1 MiB)
   */
  public static ZookeeperStorage open(ZookeeperSettings zk, Duration connectionTimeout, int ioThreads, int queueLimit,
      int chunkBytes) {
    if (ioThreads < 1 || queueLimit < 1 || chunkBytes < 1) {
      throw new IllegalArgumentException("ioThreads " + ioThreads + ", queueLimit " + queueLimit + " and chunkBytes "
          + chunkBytes + " must be >= 1");
    }
    if (chunkBytes > MAX_CHUNK_BYTES) {
      throw new IllegalArgumentException("cocaine.storage.zookeeper.chunk-bytes " + chunkBytes
          + " must be at most " + MAX_CHUNK_BYTES + ": ZooKeeper refuses larger requests (jute.maxbuffer)");
    }
    Layout layout = Layout.of(zk.root());
    CuratorFramework client = CuratorFrameworkFactory.builder()
        .connectString(zk.connect())
        .sessionTimeoutMs((int) zk.sessionTimeout().toMillis())
        .connectionTimeoutMs((int) connectionTimeout.toMillis())
        // one retry: a call gives up after about two connection timeouts instead of hanging
        .retryPolicy(new RetryNTimes(1, 200))
        .build();
    client.start();
    CallQueue calls = new CallQueue(zk.connect(), ioThreads, queueLimit, connectionTimeout,
        () -> client.getZookeeperClient().isConnected());
    ZookeeperStorage storage = new ZookeeperStorage(client, layout, chunkBytes, calls);
    try {
      if (!client.blockUntilConnected((int) connectionTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("storage: ZooKeeper at {} is not reachable yet; calls fail until it is", zk.connect());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return storage;
  }

  @Override
  public CompletionStage<byte[]> read(String collection, String key) {
    return calls.submit("read", collection, key, (CallQueue.Steps<byte[]>) progress -> {
      Layout.validate("collection", collection);
      Layout.validate("key", key);
      for (int attempt = 1; ; attempt++) {
        byte[] data;
        try {
          data = client.getData().forPath(layout.value(collection, key));
        } catch (KeeperException.NoNodeException e) {
          throw notFound(collection, key);
        }
        if (!ChunkPointer.marks(data)) {
          return data;
        }
        try {
          return chunks.read(collection, key, data, progress);
        } catch (KeeperException.NoNodeException e) {
          if (attempt == ATTEMPTS) {
            throw e;
          }
          // replaced while we read its chunks: read the new value
        }
      }
    });
  }

  @Override
  public CompletionStage<Void> write(String collection, String key, byte[] blob, List<String> tags) {
    return calls.submit("write", collection, key, (CallQueue.Steps<Void>) progress -> {
      Layout.validate("collection", collection);
      Layout.validate("key", key);
      for (String tag : tags) {
        Layout.validate("tag", tag);
      }
      String chunkSet = null;
      byte[] data = blob;
      if (blob.length > chunkBytes) {
        chunkSet = Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        data = chunks.write(collection, key, chunkSet, blob, progress);
      }
      try {
        byte[] replaced = replace(collection, key, data, new TreeSet<>(tags));
        progress.run();
        if (replaced != null && ChunkPointer.marks(replaced)) {
          chunks.delete(collection, key, replaced, progress);
        }
      } catch (Exception e) {
        if (chunkSet != null) {
          chunks.delete(collection, key, chunkSet, progress);
        }
        throw e;
      }
      return null;
    });
  }

  /** One transaction: the key's new value and its missing tag entries; returns the value it replaced. */
  private byte[] replace(String collection, String key, byte[] data, Set<String> tags) throws Exception {
    String path = layout.value(collection, key);
    for (int attempt = 1; ; attempt++) {
      client.createContainers(layout.collection(collection));
      for (String tag : tags) {
        client.createContainers(layout.tag(collection, tag));
      }
      Stat stat = new Stat();
      byte[] old;
      try {
        old = client.getData().storingStatIn(stat).forPath(path);
      } catch (KeeperException.NoNodeException e) {
        old = null;
      }
      List<CuratorOp> ops = new ArrayList<>();
      ops.add(old == null ? client.transactionOp().create().forPath(path, data)
          : client.transactionOp().setData().withVersion(stat.getVersion()).forPath(path, data));
      for (String tag : tags) {
        String entry = layout.tag(collection, tag) + "/" + key;
        if (client.checkExists().forPath(entry) == null) {
          ops.add(client.transactionOp().create().forPath(entry));
        }
      }
      try {
        client.transaction().forOperations(ops);
        return old;
      } catch (KeeperException.NodeExistsException | KeeperException.NoNodeException | KeeperException.BadVersionException e) {
        if (attempt == ATTEMPTS) {
          throw new CocaineException(ErrorCode.IO_ERROR, "cannot write " + collection + "/" + key + ": "
              + ATTEMPTS + " concurrent writes of the same key won in a row; try again");
        }
        // another writer got there first: read again and retry on top of its result
      }
    }
  }

  @Override
  public CompletionStage<Void> remove(String collection, String key) {
    return calls.submit("remove", collection, key, (CallQueue.Steps<Void>) progress -> {
      Layout.validate("collection", collection);
      Layout.validate("key", key);
      String path = layout.value(collection, key);
      for (int attempt = 1; ; attempt++) {
        Stat stat = new Stat();
        byte[] old;
        try {
          old = client.getData().storingStatIn(stat).forPath(path);
        } catch (KeeperException.NoNodeException e) {
          return null;
        }
        List<CuratorOp> ops = new ArrayList<>();
        ops.add(client.transactionOp().delete().withVersion(stat.getVersion()).forPath(path));
        for (String tag : children(layout.tags(collection))) {
          String entry = layout.tag(collection, tag) + "/" + key;
          if (client.checkExists().forPath(entry) != null) {
            ops.add(client.transactionOp().delete().forPath(entry));
          }
        }
        try {
          client.transaction().forOperations(ops);
        } catch (KeeperException.NoNodeException | KeeperException.BadVersionException e) {
          if (attempt == ATTEMPTS) {
            throw new CocaineException(ErrorCode.IO_ERROR, "cannot remove " + collection + "/" + key + ": it kept"
                + " changing under " + ATTEMPTS + " attempts; try again");
          }
          continue;
        }
        if (ChunkPointer.marks(old)) {
          progress.run();
          chunks.delete(collection, key, old, progress);
        }
        return null;
      }
    });
  }

  @Override
  public CompletionStage<List<String>> find(String collection, List<String> tags) {
    return calls.submit("find", collection, String.join(",", tags), () -> {
      Layout.validate("collection", collection);
      for (String tag : tags) {
        Layout.validate("tag", tag);
      }
      if (tags.isEmpty()) {
        return List.of();
      }
      Set<String> keys = null;
      for (String tag : tags) {
        Set<String> tagged = new TreeSet<>(children(layout.tag(collection, tag)));
        if (keys == null) {
          keys = tagged;
        } else {
          keys.retainAll(tagged);
        }
        if (keys.isEmpty()) {
          break;
        }
      }
      return List.copyOf(keys);
    });
  }

  /**
   * Follows a collection: {@code listener} gets every key present now as {@code CREATED}, then
   * each create, change and removal, on a ZooKeeper event thread (keep it short). Watches are
   * re-armed across reconnects. Close the returned handle to stop.
   */
  public AutoCloseable watch(String collection, Consumer<StorageChange> listener) {
    Layout.validate("collection", collection);
    return CollectionWatch.start(client, layout.collection(collection), collection, listener);
  }

  /** Stops the IO threads after the accepted operations, then the ZooKeeper session. */
  @Override
  public void close() {
    calls.close();
    client.close();
  }

  private static CocaineException notFound(String collection, String key) {
    return new CocaineException(ErrorCode.NOT_FOUND, collection + "/" + key + ": no such object");
  }

  private List<String> children(String path) throws Exception {
    try {
      return client.getChildren().forPath(path);
    } catch (KeeperException.NoNodeException e) {
      return List.of();
    }
  }
}
