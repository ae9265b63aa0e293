package cocaine.wire;

/**
 * Finds where one msgpack object ends without decoding it, so that a frame is unpacked only when
 * all of it is here, and an oversize or too deeply nested one is refused before any allocation.
 */
final class MsgpackScanner {
  static final int MAX_DEPTH = 64;
  static final int INCOMPLETE = -1;
  private static final ThreadLocal<long[]> PENDING = ThreadLocal.withInitial(() -> new long[MAX_DEPTH + 1]);

  private MsgpackScanner() {}

  /**
   * Length in bytes of the object starting at {@code start}, or {@link #INCOMPLETE} when more bytes
   * are needed. Throws when the object is or declares more than {@code maxBytes}, nests deeper than
   * {@link #MAX_DEPTH}, or uses the never-used type byte 0xc1.
   */
  static int objectLength(byte[] buf, int start, int end, int maxBytes) {
    // this thread's counters: a new array per call was ~0.5 KB for every response head the proxy parses
    return objectLength(buf, start, end, maxBytes, PENDING.get());
  }

  /** As above, with the caller's scratch array of {@code MAX_DEPTH + 1} counters (saves an allocation per frame). */
  static int objectLength(byte[] buf, int start, int end, int maxBytes, long[] pending) {
    int depth = 0;
    pending[0] = 1;
    long pos = start;
    while (true) {
      while (depth > 0 && pending[depth] == 0) {
        depth--;
      }
      if (pending[depth] == 0) {
        // The last value's payload (a str, an int's bytes) may still be on its way.
        return pos > end ? INCOMPLETE : (int) (pos - start);
      }
      if (pos >= end) {
        return INCOMPLETE;
      }
      pending[depth]--;
      int b = buf[(int) pos] & 0xff;
      long children = 0;
      long size;
      if (b <= 0x7f || b >= 0xe0) {
        size = 1;
      } else if (b <= 0x8f) {
        children = 2L * (b & 0x0f);
        size = 1;
      } else if (b <= 0x9f) {
        children = b & 0x0f;
        size = 1;
      } else if (b <= 0xbf) {
        size = 1 + (b & 0x1f);
      } else {
        switch (b) {
          case 0xc0, 0xc2, 0xc3 -> size = 1;
          case 0xc1 -> throw new WireException(ErrorCode.PARSE, "invalid msgpack type byte 0xc1 at offset " + (pos - start));
          case 0xc4, 0xd9 -> size = lengthOrIncomplete(buf, pos, end, 1, 2);
          case 0xc5, 0xda -> size = lengthOrIncomplete(buf, pos, end, 2, 3);
          case 0xc6, 0xdb -> size = lengthOrIncomplete(buf, pos, end, 4, 5);
          case 0xc7 -> size = lengthOrIncomplete(buf, pos, end, 1, 3);
          case 0xc8 -> size = lengthOrIncomplete(buf, pos, end, 2, 4);
          case 0xc9 -> size = lengthOrIncomplete(buf, pos, end, 4, 6);
          case 0xca, 0xce, 0xd2 -> size = 5;
          case 0xcb, 0xcf, 0xd3 -> size = 9;
          case 0xcc, 0xd0 -> size = 2;
          case 0xcd, 0xd1 -> size = 3;
          case 0xd4 -> size = 3;
          case 0xd5 -> size = 4;
          case 0xd6 -> size = 6;
          case 0xd7 -> size = 10;
          case 0xd8 -> size = 18;
          case 0xdc -> {
            children = readLength(buf, pos, end, 2);
            size = 3;
          }
          case 0xdd -> {
            children = readLength(buf, pos, end, 4);
            size = 5;
          }
          case 0xde -> {
            children = 2 * readLength(buf, pos, end, 2);
            size = 3;
          }
          case 0xdf -> {
            children = 2 * readLength(buf, pos, end, 4);
            size = 5;
          }
          default -> throw new IllegalStateException("unreachable type byte " + b);
        }
      }
      if (size < 0 || children < 0) {
        return INCOMPLETE;
      }
      pos += size;
      // Each child takes at least one byte, so a declared count beyond the limit is too big as well.
      if (pos - start + children > maxBytes) {
        throw new WireException(ErrorCode.PARSE, "message of at least " + (pos - start + children)
            + " bytes exceeds the limit of " + maxBytes + " bytes");
      }
      if (children > 0) {
        if (depth == MAX_DEPTH) {
          throw new WireException(ErrorCode.PARSE, "message nests deeper than " + MAX_DEPTH + " levels");
        }
        pending[++depth] = children;
      }
    }
  }

  /** Header size plus payload length of a str/bin/ext with an n-byte length field; -1 if incomplete. */
  private static long lengthOrIncomplete(byte[] buf, long pos, int end, int n, int headerSize) {
    long len = readLength(buf, pos, end, n);
    return len < 0 ? -1 : headerSize + len;
  }

  /** Big-endian unsigned length field of n bytes after the type byte; -1 if not all here yet. */
  private static long readLength(byte[] buf, long pos, int end, int n) {
    if (pos + 1 + n > end) {
      return -1;
    }
    long len = 0;
    for (int i = 1; i <= n; i++) {
      len = (len << 8) | (buf[(int) pos + i] & 0xff);
    }
    return len;
  }
}
