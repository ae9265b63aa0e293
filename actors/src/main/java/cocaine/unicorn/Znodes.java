package cocaine.unicorn;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Values;
import cocaine.wire.WireException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.BackgroundCallback;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.msgpack.value.Value;

/**
 * The unicorn tree's znodes over one ZooKeeper session (Curator, asynchronous calls): values are
 * stored as msgpack, as the original stores them, so its clients and ours read each other's
 * values. Every call completes with its result or a category-11 {@link CocaineException}.
 */
public final class Znodes implements AutoCloseable {
  /** A value and its znode's data version; version -1 means the znode does not exist. */
  public record Versioned(Value value, long version) {
    public Value toValue() {
      return Values.array(value, Values.integer(version));
    }
  }

  /** A znode's children and its child version ({@code cversion}). */
  public record Children(long version, List<String> names) {}

  /** What {@code put} found: whether it wrote, and the value now stored. */
  public record Put(boolean written, Versioned now) {}

  // each lost attempt means another writer's increment went in; bounded, yet well above the writers
  // a counter has (a writer can lose many rounds in a row to quicker ones)
  private static final int INCREMENT_ATTEMPTS = 64;

  private final CuratorFramework client;
  private final Prefix prefix;
  private final int maxValueBytes;

  Znodes(CuratorFramework client, Prefix prefix, int maxValueBytes) {
    this.client = client;
    this.prefix = prefix;
    this.maxValueBytes = maxValueBytes;
  }

  /** Connects in the background: while ZooKeeper is unreachable, calls fail with {@code [11, 10]}. */
  public static Znodes open(UnicornSettings settings) {
    CuratorFramework client = CuratorFrameworkFactory.builder()
        .connectString(settings.connect())
        .sessionTimeoutMs((int) settings.sessionTimeout().toMillis())
        .connectionTimeoutMs((int) settings.connectionTimeout().toMillis())
        .retryPolicy(new RetryNTimes(1, 200))
        .build();
    client.start();
    return new Znodes(client, new Prefix(settings.root(), settings.privatePaths()), settings.maxValueBytes());
  }

  Prefix prefix() {
    return prefix;
  }

  CuratorFramework client() {
    return client;
  }

  /** The value at path, or {@code [nil, -1]} when there is none (as the original answers). */
  public CompletionStage<Versioned> get(String path) {
    String znode = prefix.znode(path);
    return call(cb -> client.getData().inBackground(cb).forPath(znode)).thenApply(e -> {
      if (code(e) == KeeperException.Code.NONODE) {
        return new Versioned(Values.nil(), -1);
      }
      return versioned("get", path, e);
    });
  }

  public CompletionStage<Boolean> create(String path, Value value) {
    String znode = prefix.znode(path);
    byte[] data = pack(value);
    return call(cb -> client.create().creatingParentsIfNeeded().inBackground(cb).forPath(znode, data))
        .thenApply(e -> {
          check("create", path, e);
          return true;
        });
  }

  /** Compare and set: writes when the znode's version is {@code version}, else answers what is there. */
  public CompletionStage<Put> put(String path, Value value, long version) {
    String znode = prefix.znode(path);
    if (version < 0 || version > Integer.MAX_VALUE) {
      throw UnicornError.VERSION_NOT_ALLOWED.exception("put('" + path + "'): version " + version
          + " is not allowed: give the version get returned (0 or more)");
    }
    byte[] data = pack(value);
    return call(cb -> client.setData().withVersion((int) version).inBackground(cb).forPath(znode, data))
        .thenCompose(e -> {
          if (code(e) == KeeperException.Code.BADVERSION) {
            return call(cb -> client.getData().inBackground(cb).forPath(znode))
                .thenApply(now -> new Put(false, versioned("put", path, now)));
          }
          check("put", path, e);
          return CompletableFuture.completedFuture(new Put(true, new Versioned(value, e.getStat().getVersion())));
        });
  }

  /** Removes the znode if its version is {@code version} (-1: whatever it is); it must have no children. */
  public CompletionStage<Boolean> remove(String path, long version) {
    String znode = prefix.znode(path);
    if (path.equals("/")) {
      throw UnicornError.INVALID_PATH.exception("remove('/'): the root of the tree cannot be removed");
    }
    if (version < -1 || version > Integer.MAX_VALUE) {
      throw UnicornError.VERSION_NOT_ALLOWED.exception("remove('" + path + "'): version " + version + " is not allowed");
    }
    return call(cb -> client.delete().withVersion((int) version).inBackground(cb).forPath(znode)).thenApply(e -> {
      check("remove", path, e);
      return true;
    });
  }

  /**
   * Adds a number to the number stored (creating it when missing); a float on either side makes a
   * float. Retried when another writer changed it meanwhile.
   */
  public CompletionStage<Versioned> increment(String path, Value delta) {
    String znode = prefix.znode(path);
    if (!delta.isIntegerValue() && !delta.isFloatValue()) {
      throw UnicornError.INVALID_TYPE.exception("increment('" + path + "'): the value must be a number, got "
          + delta.getValueType().name().toLowerCase());
    }
    return increment(path, znode, delta, 1);
  }

  private CompletionStage<Versioned> increment(String path, String znode, Value delta, int attempt) {
    return call(cb -> client.getData().inBackground(cb).forPath(znode)).thenCompose(e -> {
      if (code(e) == KeeperException.Code.NONODE) {
        return call(cb -> client.create().creatingParentsIfNeeded().inBackground(cb).forPath(znode, pack(delta)))
            .thenCompose(c -> retried(path, znode, delta, attempt, c, () -> new Versioned(delta, 0)));
      }
      Versioned old = versioned("increment", path, e);
      if (!old.value().isIntegerValue() && !old.value().isFloatValue()) {
        throw UnicornError.INVALID_TYPE.exception("increment('" + path + "'): the stored value is not a number");
      }
      Value sum = old.value().isFloatValue() || delta.isFloatValue()
          ? org.msgpack.value.ValueFactory.newFloat(number(old.value()) + number(delta))
          : Values.integer(old.value().asIntegerValue().toLong() + delta.asIntegerValue().toLong());
      return call(cb -> client.setData().withVersion((int) old.version()).inBackground(cb).forPath(znode, pack(sum)))
          .thenCompose(s -> retried(path, znode, delta, attempt, s, () -> new Versioned(sum, s.getStat().getVersion())));
    });
  }

  private CompletionStage<Versioned> retried(String path, String znode, Value delta, int attempt, CuratorEvent e,
      java.util.function.Supplier<Versioned> done) {
    KeeperException.Code rc = code(e);
    if (rc == KeeperException.Code.BADVERSION || rc == KeeperException.Code.NODEEXISTS) {
      if (attempt < INCREMENT_ATTEMPTS) {
        return increment(path, znode, delta, attempt + 1);
      }
      throw UnicornError.VERSION_NOT_ALLOWED.exception("increment('" + path + "'): other writers changed it first "
          + INCREMENT_ATTEMPTS + " times in a row; nothing was added, try again");
    }
    check("increment", path, e);
    return CompletableFuture.completedFuture(done.get());
  }

  /** The value and version of a znode for a subscriber, watched by {@code watcher}; -1 when missing. */
  CompletionStage<Versioned> watchValue(String path, Watcher watcher) {
    String znode = prefix.znode(path);
    return call(cb -> client.checkExists().usingWatcher(watcher).inBackground(cb).forPath(znode)).thenCompose(e -> {
      if (code(e) == KeeperException.Code.NONODE) {
        return CompletableFuture.completedFuture(new Versioned(Values.nil(), -1));
      }
      check("subscribe", path, e);
      return call(cb -> client.getData().usingWatcher(watcher).inBackground(cb).forPath(znode))
          .thenApply(d -> versioned("subscribe", path, d));
    });
  }

  /** The children of a znode, watched by {@code watcher}. */
  CompletionStage<Children> watchChildren(String path, Watcher watcher) {
    String znode = prefix.znode(path);
    return call(cb -> client.getChildren().usingWatcher(watcher).inBackground(cb).forPath(znode)).thenApply(e -> {
      check("children_subscribe", path, e);
      return new Children(e.getStat().getCversion(), e.getChildren().stream().sorted().toList());
    });
  }

  /** Creates an ephemeral sequential znode {@code <path>/lock<seq>}; completes with its full znode path. */
  CompletionStage<String> createLockNode(String path, byte[] data) {
    String znode = prefix.znode(path) + "/lock";
    return call(cb -> client.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
        .inBackground(cb).forPath(znode, data)).thenApply(e -> {
          check("lock", path, e);
          return e.getName();
        });
  }

  /** The children of a lock's folder, unwatched. */
  CompletionStage<List<String>> lockNodes(String path) {
    String znode = prefix.znode(path);
    return call(cb -> client.getChildren().inBackground(cb).forPath(znode)).thenApply(e -> {
      check("lock", path, e);
      return e.getChildren();
    });
  }

  /** Whether a znode exists, watched by {@code watcher} (which fires when it goes). */
  CompletionStage<Boolean> watchExists(String znode, Watcher watcher) {
    return call(cb -> client.checkExists().usingWatcher(watcher).inBackground(cb).forPath(znode))
        .thenApply(e -> e.getStat() != null);
  }

  /** Deletes a znode of ours in the background, retried by Curator until it is gone or the session is. */
  void deleteQuietly(String znode) {
    try {
      client.delete().guaranteed().inBackground().forPath(znode);
    } catch (Exception e) {
      // the session is closing: ZooKeeper removes our ephemeral znodes with it
    }
  }

  /** Stops ZooKeeper from telling {@code watcher} about {@code znode} (it may have fired already). */
  void unwatch(String znode, Watcher watcher) {
    try {
      client.watchers().remove(watcher).ofType(Watcher.WatcherType.Any).quietly().inBackground().forPath(znode);
    } catch (Exception e) {
      // nothing was registered any more, or the session is closing
    }
  }

  /** The msgpack bytes of a value, refused with {@code [12, 27]} above max-value-bytes. */
  byte[] pack(Value value) {
    byte[] bytes = FrameEncoder.encodeValue(value);
    if (bytes.length > maxValueBytes) {
      throw new CocaineException(ErrorCode.TOO_BIG, "the value is " + bytes.length + " bytes of msgpack; unicorn takes"
          + " at most " + maxValueBytes + " (cocaine.services.unicorn.max-value-bytes)");
    }
    return bytes;
  }

  private static double number(Value v) {
    return v.isFloatValue() ? v.asFloatValue().toDouble() : v.asIntegerValue().toDouble();
  }

  private Versioned versioned(String op, String path, CuratorEvent e) {
    check(op, path, e);
    if (e.getStat().getNumChildren() != 0) {
      throw UnicornError.CHILD_NOT_ALLOWED.exception(op + "('" + path + "'): the node has "
          + e.getStat().getNumChildren() + " children; only a leaf holds a value");
    }
    try {
      return new Versioned(Values.unpack(e.getData()), e.getStat().getVersion());
    } catch (WireException ex) {
      throw UnicornError.INVALID_VALUE.exception(op + "('" + path + "'): the node holds no msgpack value ("
          + ex.getMessage() + ")");
    }
  }

  private static KeeperException.Code code(CuratorEvent e) {
    return KeeperException.Code.get(e.getResultCode());
  }

  private static void check(String op, String path, CuratorEvent e) {
    KeeperException.Code rc = code(e);
    if (rc != KeeperException.Code.OK) {
      UnicornError error = UnicornError.of(rc);
      String what = switch (error) {
        case NO_NODE -> "no such node";
        case NODE_EXISTS -> "the node exists already";
        case VERSION_NOT_ALLOWED -> "the node's version is not the one given";
        case CONNECTION_LOSS -> "ZooKeeper cannot be reached; retry once it is back";
        default -> "ZooKeeper refused it (" + rc + ")";
      };
      throw error.exception(op + "('" + path + "'): " + what);
    }
  }

  @FunctionalInterface
  private interface Background {
    void start(BackgroundCallback callback) throws Exception;
  }

  /** One asynchronous Curator call: completes with its event, whatever its result code. */
  private static CompletableFuture<CuratorEvent> call(Background op) {
    CompletableFuture<CuratorEvent> done = new CompletableFuture<>();
    try {
      op.start((c, event) -> done.complete(event));
    } catch (Exception e) {
      done.completeExceptionally(UnicornError.CONNECTION_LOSS.exception("ZooKeeper call failed: " + e));
    }
    return done;
  }

  @Override
  public void close() {
    client.close();
  }
}
