package cocaine.storage.zookeeper;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What a key's znode holds when its value lives in chunks: a magic marker, then
 * {@code "<chunk set> <count> <length>"} in ASCII. No value a client writes is taken for one unless
 * it starts with the marker, which begins and ends with a NUL byte.
 */
final class ChunkPointer {
  private static final byte[] MARKER = "\0cocaine-chunks\0".getBytes(StandardCharsets.US_ASCII);

  private ChunkPointer() {}

  /** The znode data pointing at {@code count} chunks of the set {@code chunkSet}, {@code length} bytes in all. */
  static byte[] encode(String chunkSet, int count, long length) {
    byte[] pointer = (chunkSet + " " + count + " " + length).getBytes(StandardCharsets.US_ASCII);
    byte[] data = Arrays.copyOf(MARKER, MARKER.length + pointer.length);
    System.arraycopy(pointer, 0, data, MARKER.length, pointer.length);
    return data;
  }

  /** True when {@code data} (a znode's data, null for none) is a pointer rather than a value. */
  static boolean marks(byte[] data) {
    return data != null && data.length > MARKER.length
        && Arrays.equals(data, 0, MARKER.length, MARKER, 0, MARKER.length);
  }

  /**
   * The pointer's three fields as stored: chunk set, count, length. Only their number is checked
   * here; the caller parses count and length, so it can name the damaged key.
   */
  static String[] fields(byte[] data) {
    String[] p = new String(data, MARKER.length, data.length - MARKER.length, StandardCharsets.US_ASCII).split(" ");
    if (p.length != 3) {
      throw new CocaineException(ErrorCode.IO_ERROR, "damaged chunk pointer: " + String.join(" ", p));
    }
    return p;
  }
}
