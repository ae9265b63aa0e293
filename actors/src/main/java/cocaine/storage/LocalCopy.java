package cocaine.storage;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's storage (ZooKeeper) with a copy, on the node's own disk, of what the node runs
 * from: each successful read of the collections in {@code kept} (the desired state, manifests,
 * profiles, archives, runlists) is copied, a record found missing is removed from the copy. While
 * the cluster's storage cannot be reached, reads and finds of those collections answer from the
 * copy, each logged, so a node started then runs what it last converged to. Writes, removes and
 * the other collections always go to the cluster.
 */
public final class LocalCopy implements Storage {
  /** The tag every copied record carries, so the copy's {@code find} lists them. */
  static final String COPIED = "copied";
  private static final Logger log = LoggerFactory.getLogger(LocalCopy.class);

  private final Storage cluster;
  private final Storage copy;
  private final Set<String> kept;

  /**
   * @param cluster the cluster's storage
   * @param copy    the node's local copy (a {@link FilesStorage} in its own folder)
   * @param kept    the collections copied
   */
  public LocalCopy(Storage cluster, Storage copy, Set<String> kept) {
    this.cluster = cluster;
    this.copy = copy;
    this.kept = Set.copyOf(kept);
  }

  @Override
  public CompletionStage<byte[]> read(String collection, String key) {
    if (!kept.contains(collection)) {
      return cluster.read(collection, key);
    }
    return cluster.read(collection, key).handle((blob, e) -> {
      if (e == null) {
        copy.write(collection, key, blob, List.of(COPIED)).exceptionally(w -> unsaved(collection, key, w));
        return CompletableFuture.completedFuture(blob);
      }
      CocaineException c = cause(e);
      if (c.code().equals(ErrorCode.NOT_FOUND)) {
        copy.remove(collection, key);
      }
      if (!unreachable(c)) {
        return CompletableFuture.<byte[]>failedFuture(c);
      }
      log.warn("storage unreachable ({}): {}/{} answered from this node's local copy", c.getMessage(), collection, key);
      return copy.read(collection, key).handle((local, missing) -> {
        if (missing != null) {
          throw new CompletionException(c); // the cluster's error says more than "not in the copy"
        }
        return local;
      });
    }).thenCompose(stage -> stage);
  }

  @Override
  public CompletionStage<Void> write(String collection, String key, byte[] blob, List<String> tags) {
    return cluster.write(collection, key, blob, tags);
  }

  @Override
  public CompletionStage<Void> remove(String collection, String key) {
    return cluster.remove(collection, key);
  }

  @Override
  public CompletionStage<List<String>> find(String collection, List<String> tags) {
    if (!kept.contains(collection)) {
      return cluster.find(collection, tags);
    }
    return cluster.find(collection, tags).handle((keys, e) -> {
      if (e == null) {
        return CompletableFuture.completedFuture(keys);
      }
      CocaineException c = cause(e);
      if (!unreachable(c)) {
        return CompletableFuture.<List<String>>failedFuture(c);
      }
      log.warn("storage unreachable ({}): the keys of {} answered from this node's local copy", c.getMessage(),
          collection);
      return copy.find(collection, List.of(COPIED));
    }).thenCompose(stage -> stage);
  }

  /** Not an answer about the record (missing, invalid, refused) but about reaching the storage. */
  private static boolean unreachable(CocaineException c) {
    return c.code().equals(ErrorCode.IO_ERROR) || c.code().equals(ErrorCode.TRY_AGAIN)
        || c.code().equals(ErrorCode.NOT_CONNECTED) || c.code().equals(ErrorCode.TIMEOUT);
  }

  private static Void unsaved(String collection, String key, Throwable w) {
    log.warn("{}/{} not copied to this node's local copy: {}", collection, key, cause(w).getMessage());
    return null;
  }

  private static CocaineException cause(Throwable t) {
    Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    return c instanceof CocaineException e ? e : new CocaineException(ErrorCode.IO_ERROR, String.valueOf(c), c);
  }
}
