package cocaine.storage.zookeeper;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chunks of values too large for one znode: a value is written as a new chunk set under
 * {@link Layout#chunks}, read back through its {@link ChunkPointer}, and its set deleted once no key
 * points at it. A key's znode is switched to a set only after every chunk is written, so a reader
 * never sees a half-written value.
 */
final class Chunks {
  // the storage's logger: these lines belong to its calls
  private static final Logger log = LoggerFactory.getLogger(ZookeeperStorage.class);

  private final CuratorFramework client;
  private final Layout layout;
  private final int chunkBytes;

  Chunks(CuratorFramework client, Layout layout, int chunkBytes) {
    this.client = client;
    this.layout = layout;
    this.chunkBytes = chunkBytes;
  }

  /**
   * Writes {@code blob} as the chunks of the new set {@code chunkSet}; returns the pointer to store as
   * the key's data. {@code progress} runs after each chunk.
   */
  byte[] write(String collection, String key, String chunkSet, byte[] blob, Runnable progress) throws Exception {
    String dir = layout.chunks(collection, key) + "/" + chunkSet;
    int count = (blob.length + chunkBytes - 1) / chunkBytes;
    for (int i = 0; i < count; i++) {
      byte[] part = Arrays.copyOfRange(blob, i * chunkBytes, Math.min(blob.length, (i + 1) * chunkBytes));
      client.create().creatingParentContainersIfNeeded().forPath(dir + "/" + i, part);
      progress.run();
    }
    return ChunkPointer.encode(chunkSet, count, blob.length);
  }

  /**
   * The value {@code data} (a key's pointer) points at; {@link KeeperException.NoNodeException} when
   * a chunk is gone, as it is when the key was replaced meanwhile. {@code progress} runs after each chunk.
   */
  byte[] read(String collection, String key, byte[] data, Runnable progress) throws Exception {
    String[] pointer = ChunkPointer.fields(data);
    int count;
    long length;
    try {
      count = Integer.parseInt(pointer[1]);
      length = Long.parseLong(pointer[2]);
    } catch (NumberFormatException e) {
      throw new CocaineException(ErrorCode.IO_ERROR, collection + "/" + key + " has a damaged chunk pointer: "
          + String.join(" ", pointer) + "; write it again");
    }
    String dir = layout.chunks(collection, key) + "/" + pointer[0];
    // The pointer is stored data, not trusted to size a buffer: grow with what the chunks really hold.
    ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.max(0, Math.min(length, chunkBytes)));
    for (int i = 0; i < count && out.size() <= length; i++) {
      out.write(client.getData().forPath(dir + "/" + i));
      progress.run();
    }
    if (out.size() != length) {
      throw new CocaineException(ErrorCode.IO_ERROR, collection + "/" + key + " is damaged: its chunks hold "
          + out.size() + " bytes, expected " + length + "; write it again");
    }
    return out.toByteArray();
  }

  /** Deletes the set the pointer {@code data} names; a failure is logged, the set is then left over. */
  void delete(String collection, String key, byte[] data, Runnable progress) {
    delete(collection, key, ChunkPointer.fields(data)[0], progress);
  }

  /**
   * Deletes the set {@code chunkSet} chunk by chunk, {@code progress} after each: a set of many
   * chunks takes many round trips, each of which the call's timeout bounds, not their sum. A failure
   * is logged, the set is then left over.
   */
  void delete(String collection, String key, String chunkSet, Runnable progress) {
    String path = layout.chunks(collection, key) + "/" + chunkSet;
    try {
      for (String chunk : client.getChildren().forPath(path)) {
        try {
          client.delete().forPath(path + "/" + chunk);
        } catch (KeeperException.NoNodeException e) {
          // already gone
        }
        progress.run();
      }
      client.delete().forPath(path);
    } catch (KeeperException.NoNodeException e) {
      // already gone
    } catch (Exception e) {
      log.warn("storage: cannot delete unused chunks {}: {}", path, e.toString());
    }
  }
}
