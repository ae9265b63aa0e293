package cocaine.storage.zookeeper;

import cocaine.config.Settings;
import cocaine.config.ZookeeperSettings;
import cocaine.storage.Storage;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import com.typesafe.config.Config;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.common.PathUtils;
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
  private static final int NAME_MAX = 255;
  // Each lost attempt means another writer won; with N writers of one key a write may lose N - 1
  // times in a row, so the bound is well above the writers a cluster has, yet finite.
  private static final int ATTEMPTS = 32;
  /** Marks a key's znode whose value lives in chunks: the magic, then "id count length". */
  private static final byte[] CHUNKED = "\0cocaine-chunks\0".getBytes(StandardCharsets.US_ASCII);

  private final CuratorFramework client;
  private final String connect;
  private final String root;
  /** ZooKeeper's default jute.maxbuffer: a znode's data must stay below it. */
  private static final int MAX_CHUNK_BYTES = 1 << 20;
  private final int chunkBytes;
  private final ThreadPoolExecutor io;
  private final int queueLimit;
  /** A call is waiting for the lost connection; the others fail at once meanwhile. */
  private final AtomicBoolean probing = new AtomicBoolean();
  /** Every call is answered within it (connection-timeout), if need be with "cannot be reached". */
  private final Duration callTimeout;
  private final ScheduledThreadPoolExecutor expiry;

  private ZookeeperStorage(CuratorFramework client, String connect, String root, int chunkBytes, ThreadPoolExecutor io,
      int queueLimit, Duration callTimeout) {
    this.client = client;
    this.connect = connect;
    this.root = root;
    this.chunkBytes = chunkBytes;
    this.io = io;
    this.queueLimit = queueLimit;
    this.callTimeout = callTimeout;
    this.expiry = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "cocaine-zookeeper-expiry");
      t.setDaemon(true);
      return t;
    });
    expiry.setRemoveOnCancelPolicy(true);
  }

  /** As configured: {@code cocaine.storage.zookeeper.*}. */
  public static ZookeeperStorage open(Settings settings) {
    Config c = settings.config().getConfig("cocaine.storage.zookeeper");
    return open(settings.storage().zookeeper(), c.getDuration("connection-timeout"), c.getInt("io-threads"),
        c.getInt("queue-limit"), (int) Math.min(Integer.MAX_VALUE, c.getBytes("chunk-bytes")));
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
    if (chunkBytes >= MAX_CHUNK_BYTES) {
      throw new IllegalArgumentException("cocaine.storage.zookeeper.chunk-bytes " + chunkBytes
          + " must be below 1 MiB: ZooKeeper refuses larger znodes (jute.maxbuffer)");
    }
    String root = zk.root().endsWith("/") && zk.root().length() > 1 ? zk.root().substring(0, zk.root().length() - 1) : zk.root();
    PathUtils.validatePath(root);
    CuratorFramework client = CuratorFrameworkFactory.builder()
        .connectString(zk.connect())
        .sessionTimeoutMs((int) zk.sessionTimeout().toMillis())
        .connectionTimeoutMs((int) connectionTimeout.toMillis())
        // one retry: a call gives up after about two connection timeouts instead of hanging
        .retryPolicy(new RetryNTimes(1, 200))
        .build();
    client.start();
    AtomicInteger ids = new AtomicInteger();
    ThreadPoolExecutor io = new ThreadPoolExecutor(ioThreads, ioThreads, 0, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(queueLimit), r -> {
          Thread t = new Thread(r, "cocaine-zookeeper-io-" + ids.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    ZookeeperStorage storage = new ZookeeperStorage(client, zk.connect(), root.equals("/") ? "" : root, chunkBytes, io,
        queueLimit, connectionTimeout);
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
    return submit("read", collection, key, () -> {
      validate("collection", collection);
      validate("key", key);
      for (int attempt = 1; ; attempt++) {
        byte[] data;
        try {
          data = client.getData().forPath(value(collection, key));
        } catch (KeeperException.NoNodeException e) {
          throw notFound(collection, key);
        }
        if (!isChunked(data)) {
          return data;
        }
        try {
          return readChunks(collection, key, data);
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
    return submit("write", collection, key, () -> {
      validate("collection", collection);
      validate("key", key);
      for (String tag : tags) {
        validate("tag", tag);
      }
      String chunkSet = null;
      byte[] data = blob;
      if (blob.length > chunkBytes) {
        chunkSet = Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        data = writeChunks(collection, key, chunkSet, blob);
      }
      try {
        byte[] replaced = replace(collection, key, data, new TreeSet<>(tags));
        if (replaced != null && isChunked(replaced)) {
          deleteChunkSet(collection, key, replaced);
        }
      } catch (Exception e) {
        if (chunkSet != null) {
          deleteQuietly(chunks(collection, key) + "/" + chunkSet);
        }
        throw e;
      }
      return null;
    });
  }

  /** One transaction: the key's new value and its missing tag entries; returns the value it replaced. */
  private byte[] replace(String collection, String key, byte[] data, Set<String> tags) throws Exception {
    String path = value(collection, key);
    for (int attempt = 1; ; attempt++) {
      client.createContainers(collectionPath(collection));
      for (String tag : tags) {
        client.createContainers(tagPath(collection, tag));
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
        String entry = tagPath(collection, tag) + "/" + key;
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
    return submit("remove", collection, key, () -> {
      validate("collection", collection);
      validate("key", key);
      String path = value(collection, key);
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
        for (String tag : children(tagsPath(collection))) {
          String entry = tagPath(collection, tag) + "/" + key;
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
        if (isChunked(old)) {
          deleteChunkSet(collection, key, old);
        }
        return null;
      }
    });
  }

  @Override
  public CompletionStage<List<String>> find(String collection, List<String> tags) {
    return submit("find", collection, String.join(",", tags), () -> {
      validate("collection", collection);
      for (String tag : tags) {
        validate("tag", tag);
      }
      if (tags.isEmpty()) {
        return List.of();
      }
      Set<String> keys = null;
      for (String tag : tags) {
        Set<String> tagged = new TreeSet<>(children(tagPath(collection, tag)));
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
    validate("collection", collection);
    String base = collectionPath(collection) + "/";
    CuratorCache cache = CuratorCache.build(client, collectionPath(collection));
    Consumer<ChildData> created = d -> emit(base, collection, d, StorageChange.Kind.CREATED, listener);
    cache.listenable().addListener(CuratorCacheListener.builder()
        .forCreates(created)
        .forChanges((before, after) -> emit(base, collection, after, StorageChange.Kind.CHANGED, listener))
        .forDeletes(d -> emit(base, collection, d, StorageChange.Kind.REMOVED, listener))
        .build());
    cache.start();
    return cache::close;
  }

  private static void emit(String base, String collection, ChildData d, StorageChange.Kind kind,
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

  /** Stops the IO threads after the accepted operations, then the ZooKeeper session. */
  @Override
  public void close() {
    io.shutdown();
    expiry.shutdown();
    try {
      if (!io.awaitTermination(10, TimeUnit.SECONDS)) {
        log.warn("storage: ZooKeeper operations still running at close");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    client.close();
  }

  private byte[] writeChunks(String collection, String key, String chunkSet, byte[] blob) throws Exception {
    String dir = chunks(collection, key) + "/" + chunkSet;
    int count = (blob.length + chunkBytes - 1) / chunkBytes;
    for (int i = 0; i < count; i++) {
      byte[] part = Arrays.copyOfRange(blob, i * chunkBytes, Math.min(blob.length, (i + 1) * chunkBytes));
      client.create().creatingParentContainersIfNeeded().forPath(dir + "/" + i, part);
    }
    byte[] pointer = (chunkSet + " " + count + " " + blob.length).getBytes(StandardCharsets.US_ASCII);
    byte[] data = Arrays.copyOf(CHUNKED, CHUNKED.length + pointer.length);
    System.arraycopy(pointer, 0, data, CHUNKED.length, pointer.length);
    return data;
  }

  private byte[] readChunks(String collection, String key, byte[] data) throws Exception {
    String[] pointer = pointer(data);
    int count;
    long length;
    try {
      count = Integer.parseInt(pointer[1]);
      length = Long.parseLong(pointer[2]);
    } catch (NumberFormatException e) {
      throw new CocaineException(ErrorCode.IO_ERROR, collection + "/" + key + " has a damaged chunk pointer: "
          + String.join(" ", pointer) + "; write it again");
    }
    String dir = chunks(collection, key) + "/" + pointer[0];
    // The pointer is stored data, not trusted to size a buffer: grow with what the chunks really hold.
    ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.max(0, Math.min(length, chunkBytes)));
    for (int i = 0; i < count && out.size() <= length; i++) {
      out.write(client.getData().forPath(dir + "/" + i));
    }
    if (out.size() != length) {
      throw new CocaineException(ErrorCode.IO_ERROR, collection + "/" + key + " is damaged: its chunks hold "
          + out.size() + " bytes, expected " + length + "; write it again");
    }
    return out.toByteArray();
  }

  private void deleteChunkSet(String collection, String key, byte[] data) {
    deleteQuietly(chunks(collection, key) + "/" + pointer(data)[0]);
  }

  private void deleteQuietly(String path) {
    try {
      client.delete().deletingChildrenIfNeeded().forPath(path);
    } catch (KeeperException.NoNodeException e) {
      // already gone
    } catch (Exception e) {
      log.warn("storage: cannot delete unused chunks {}: {}", path, e.toString());
    }
  }

  private static boolean isChunked(byte[] data) {
    return data != null && data.length > CHUNKED.length
        && Arrays.equals(data, 0, CHUNKED.length, CHUNKED, 0, CHUNKED.length);
  }

  private static String[] pointer(byte[] data) {
    String[] p = new String(data, CHUNKED.length, data.length - CHUNKED.length, StandardCharsets.US_ASCII).split(" ");
    if (p.length != 3) {
      throw new CocaineException(ErrorCode.IO_ERROR, "damaged chunk pointer: " + String.join(" ", p));
    }
    return p;
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

  private String collectionPath(String collection) {
    return root + "/" + collection;
  }

  private String value(String collection, String key) {
    return root + "/" + collection + "/" + key;
  }

  private String tagsPath(String collection) {
    return root + "/.tags/" + collection;
  }

  private String tagPath(String collection, String tag) {
    return root + "/.tags/" + collection + "/" + tag;
  }

  private String chunks(String collection, String key) {
    return root + "/.chunks/" + collection + "/" + key;
  }

  @FunctionalInterface
  private interface Operation<T> {
    T run() throws Exception;
  }

  private <T> CompletionStage<T> submit(String op, String collection, String key, Operation<T> operation) {
    // completed by hand so a failure is the CocaineException itself, not a CompletionException around it
    CompletableFuture<T> result = new CompletableFuture<>();
    // A call queued behind calls that wait for a lost connection, or caught in Curator's retry,
    // would answer long after its caller gave up (seen in ChaosIT under load): past the timeout it
    // fails as "cannot be reached", and if it has not started by then it never runs.
    ScheduledFuture<?> expires = expiry.schedule(() -> result.completeExceptionally(failure(op, collection, key,
        new KeeperException.OperationTimeoutException())), callTimeout.toMillis(), TimeUnit.MILLISECONDS);
    result.whenComplete((value, failure) -> expires.cancel(false));
    try {
      io.execute(() -> {
        if (result.isDone()) {
          return;
        }
        boolean probe = false;
        try {
          if (!client.getZookeeperClient().isConnected()) {
            // While the connection is down one call at a time waits for it (and so makes Curator
            // reconnect); the others fail at once instead of queueing for connection-timeout each
            // behind it (seen in ChaosIT).
            probe = probing.compareAndSet(false, true);
            if (!probe) {
              throw new KeeperException.ConnectionLossException();
            }
          }
          result.complete(operation.run());
        } catch (CocaineException e) {
          result.completeExceptionally(e);
        } catch (Exception e) {
          result.completeExceptionally(failure(op, collection, key, e));
        } finally {
          if (probe) {
            probing.set(false);
          }
        }
      });
      return result;
    } catch (RejectedExecutionException e) {
      // completing it cancels its expiry too: a refused call leaves nothing scheduled behind
      result.completeExceptionally(new CocaineException(ErrorCode.TRY_AGAIN, "storage (ZooKeeper at " + connect
          + ") is busy: " + io.getQueue().size() + " operations waiting (queue-limit " + queueLimit + ")"
          + (io.isShutdown() ? ", closed" : "")));
      return result;
    }
  }

  private CocaineException failure(String op, String collection, String key, Exception e) {
    if (e instanceof InterruptedException) {
      Thread.currentThread().interrupt();
    }
    boolean unreachable = e instanceof KeeperException.ConnectionLossException
        || e instanceof KeeperException.SessionExpiredException || e instanceof KeeperException.OperationTimeoutException;
    String what = op + " of " + collection + "/" + key;
    String text = unreachable
        ? "storage unavailable: ZooKeeper at " + connect + " cannot be reached (" + e.getClass().getSimpleName() + "); the "
            + what + (op.equals("write") || op.equals("remove") ? " may or may not have been applied" : " was not done")
            + "; retry once ZooKeeper is back"
        : "storage: " + what + " failed in ZooKeeper at " + connect + ": " + e;
    log.warn("{}", text);
    return new CocaineException(ErrorCode.IO_ERROR, text, e);
  }

  /** The rules of the files backend (one plain name, no leading dot), plus ZooKeeper's path rules. */
  static void validate(String what, String name) {
    String reason = null;
    if (name == null || name.isEmpty()) {
      reason = "must not be empty";
    } else if (name.getBytes(StandardCharsets.UTF_8).length > NAME_MAX) {
      reason = "is longer than " + NAME_MAX + " bytes";
    } else if (name.indexOf('/') >= 0) {
      reason = "must not contain '/'";
    } else if (name.startsWith(".")) {
      reason = "must not start with '.' (reserved)";
    } else {
      try {
        PathUtils.validatePath("/" + name);
      } catch (IllegalArgumentException e) {
        reason = e.getMessage();
      }
    }
    if (reason != null) {
      throw new CocaineException(ErrorCode.INVALID, "invalid " + what + " '" + (name == null ? "" : name.replace("\0", "\\0"))
          + "': " + reason);
    }
  }
}
