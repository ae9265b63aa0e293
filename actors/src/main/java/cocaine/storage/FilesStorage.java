package cocaine.storage;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code files} storage backend (docs/protocol.md 4.1): the value of a key is the file
 * {@code <root>/<collection>/<key>}; each tag is a folder {@code <root>/<collection>/<tag>/}
 * holding a symlink {@code <key>} to the value. Writes are atomic (temporary file, fsync, rename),
 * so a crash leaves the old value or the new one. The blocking file IO runs on this backend's own
 * bounded pool; past {@code queueLimit} waiting operations a call fails at once with
 * {@code [12, 11]}.
 */
public final class FilesStorage implements Storage, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FilesStorage.class);
  private static final int NAME_MAX = 255;

  private final Path root;
  private final ThreadPoolExecutor io;
  private final int queueLimit;

  private FilesStorage(Path root, ThreadPoolExecutor io, int queueLimit) {
    this.root = root;
    this.io = io;
    this.queueLimit = queueLimit;
  }

  /**
   * Opens (creating if needed) the storage folder.
   *
   * @param ioThreads threads doing the blocking file IO
   * @param queueLimit operations that may wait for a thread before calls are refused
   */
  public static FilesStorage create(Path root, int ioThreads, int queueLimit) {
    if (ioThreads < 1 || queueLimit < 1) {
      throw new IllegalArgumentException("ioThreads " + ioThreads + " and queueLimit " + queueLimit + " must be >= 1");
    }
    try {
      Files.createDirectories(root);
    } catch (IOException e) {
      throw new CocaineException(ErrorCode.IO_ERROR, "cannot create storage folder " + root + ": " + e, e);
    }
    AtomicInteger ids = new AtomicInteger();
    ThreadPoolExecutor io = new ThreadPoolExecutor(ioThreads, ioThreads, 0, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(queueLimit), r -> {
          Thread t = new Thread(r, "cocaine-storage-io-" + ids.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    return new FilesStorage(root, io, queueLimit);
  }

  public Path root() {
    return root;
  }

  @Override
  public CompletionStage<byte[]> read(String collection, String key) {
    return submit(() -> {
      validate("collection", collection);
      validate("key", key);
      Path file = root.resolve(collection).resolve(key);
      try {
        if (!Files.isRegularFile(file)) {
          throw notFound(collection, key);
        }
        return Files.readAllBytes(file);
      } catch (NoSuchFileException e) {
        throw notFound(collection, key);
      } catch (IOException e) {
        throw ioError("read", collection, key, e);
      }
    });
  }

  @Override
  public CompletionStage<Void> write(String collection, String key, byte[] blob, List<String> tags) {
    return submit(() -> {
      validate("collection", collection);
      validate("key", key);
      for (String tag : tags) {
        validate("tag", tag);
      }
      Path dir = root.resolve(collection);
      try {
        Files.createDirectories(dir);
        replaceAtomically(dir, key, blob);
        for (String tag : tags) {
          link(dir.resolve(tag), key);
        }
        return null;
      } catch (IOException e) {
        throw ioError("write", collection, key, e);
      }
    });
  }

  @Override
  public CompletionStage<Void> remove(String collection, String key) {
    return submit(() -> {
      validate("collection", collection);
      validate("key", key);
      Path file = root.resolve(collection).resolve(key);
      try {
        // A key that names a tag folder is not an object: leave the folder alone.
        if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
          Files.deleteIfExists(file);
        }
        return null;
      } catch (IOException e) {
        throw ioError("remove", collection, key, e);
      }
    });
  }

  @Override
  public CompletionStage<List<String>> find(String collection, List<String> tags) {
    return submit(() -> {
      validate("collection", collection);
      for (String tag : tags) {
        validate("tag", tag);
      }
      Path dir = root.resolve(collection);
      if (tags.isEmpty() || !Files.isDirectory(dir)) {
        return List.of();
      }
      Set<String> keys = null;
      for (String tag : tags) {
        Set<String> tagged = tagged(dir.resolve(tag));
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

  /** Stops the IO threads after the operations already accepted. */
  @Override
  public void close() {
    io.shutdown();
  }

  private <T> CompletionStage<T> submit(Supplier<T> operation) {
    // Completed by hand rather than supplyAsync, so a failure is the CocaineException itself,
    // not a CompletionException around it.
    CompletableFuture<T> result = new CompletableFuture<>();
    try {
      io.execute(() -> {
        try {
          result.complete(operation.get());
        } catch (RuntimeException e) {
          result.completeExceptionally(e);
        }
      });
      return result;
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(new CocaineException(ErrorCode.TRY_AGAIN, "storage " + root + " is busy: "
          + io.getQueue().size() + " operations waiting (queue-limit " + queueLimit + ")" + (io.isShutdown() ? ", closed" : "")));
    }
  }

  /** Temporary file in the same folder (so rename is atomic), fsync, rename, fsync the folder. */
  private static void replaceAtomically(Path dir, String key, byte[] blob) throws IOException {
    // Leading dot: keys may not start with one, so a temporary file never shadows a key.
    Path tmp = dir.resolve(".write-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(blob);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      Files.move(tmp, dir.resolve(key), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    // The rename itself is durable only once the folder is synced; Linux allows fsync of a folder.
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      log.debug("storage: cannot fsync folder {}: {}", dir, e.toString());
    }
  }

  private static void link(Path tagDir, String key) throws IOException {
    Files.createDirectories(tagDir);
    Path link = tagDir.resolve(key);
    if (Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
      if (Files.exists(link)) {
        return;
      }
      Files.delete(link); // dangling from an earlier remove: point it at the new value
    }
    try {
      Files.createSymbolicLink(link, Path.of("..", key));
    } catch (FileAlreadyExistsException e) {
      // a concurrent write of the same key made it
    }
  }

  /** Keys with a live link in a tag folder; dangling links (removed keys) are pruned. */
  private static Set<String> tagged(Path tagDir) {
    Set<String> keys = new TreeSet<>();
    if (!Files.isDirectory(tagDir)) {
      return keys;
    }
    List<Path> dangling = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(tagDir)) {
      for (Path entry : entries) {
        if (!Files.isSymbolicLink(entry)) {
          continue;
        }
        if (Files.isRegularFile(entry)) {
          keys.add(entry.getFileName().toString());
        } else {
          dangling.add(entry);
        }
      }
    } catch (IOException e) {
      throw new CocaineException(ErrorCode.IO_ERROR, "cannot list tag folder " + tagDir + ": " + e, e);
    }
    for (Path link : dangling) {
      try {
        Files.deleteIfExists(link);
      } catch (IOException e) {
        log.warn("storage: cannot prune dangling link {}: {}", link, e.toString());
      }
    }
    return keys;
  }

  /**
   * Refuses names that are not one plain file name: empty, too long, a path, NUL, {@code .},
   * {@code ..}, or a leading dot (reserved for temporary files).
   */
  static void validate(String what, String name) {
    String reason = null;
    if (name == null || name.isEmpty()) {
      reason = "must not be empty";
    } else if (name.getBytes(StandardCharsets.UTF_8).length > NAME_MAX) {
      reason = "is " + name.getBytes(StandardCharsets.UTF_8).length + " bytes long, more than " + NAME_MAX;
    } else if (name.indexOf('/') >= 0) {
      reason = "must not contain '/'";
    } else if (name.indexOf('\0') >= 0) {
      reason = "must not contain NUL";
    } else if (name.equals(".") || name.equals("..")) {
      reason = "must not be '.' or '..'";
    } else if (name.startsWith(".")) {
      reason = "must not start with '.' (reserved for temporary files)";
    }
    if (reason != null) {
      throw new CocaineException(ErrorCode.INVALID, "invalid " + what + " '" + printable(name) + "': " + reason);
    }
  }

  private static String printable(String name) {
    if (name == null) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    int i = 0;
    for (; i < name.length() && out.length() < 64; i++) {
      char c = name.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        out.append(String.format("\\x%02x", (int) c));
      } else {
        out.append(c);
      }
    }
    return i < name.length() ? out + "..." : out.toString();
  }

  private static CocaineException notFound(String collection, String key) {
    return new CocaineException(ErrorCode.NOT_FOUND, collection + "/" + key + ": no such object");
  }

  private CocaineException ioError(String op, String collection, String key, IOException e) {
    log.warn("storage: {} of {}/{} under {} failed: {}", op, collection, key, root, e.toString());
    return new CocaineException(ErrorCode.IO_ERROR, "cannot " + op + " " + collection + "/" + key + ": " + e);
  }
}
