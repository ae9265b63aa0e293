package cocaine.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.wire.FrameEncoder;
import cocaine.wire.Values;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;
import org.msgpack.value.Value;

/**
 * The request chunk packed straight from strings and the body's buffers is, byte for byte, the
 * msgpack value {@code [method, uri, version, [[name, value], ...], body]} with every string and
 * the body as old-style raw: string lengths at each header size's edge, a body in several parts.
 */
class RequestChunkTest {
  static byte[] asValues(String method, String uri, String version, List<Map.Entry<String, String>> headers,
      byte[] body) {
    List<Value> pairs = new ArrayList<>();
    for (Map.Entry<String, String> h : headers) {
      pairs.add(Values.array(Values.str(h.getKey()), Values.str(h.getValue())));
    }
    return FrameEncoder.encodeValue(Values.array(Values.str(method), Values.str(uri), Values.str(version),
        Values.array(pairs), Values.bytes(body)));
  }

  @Test
  void theChunkIsTheValueOfOldStyleRawStrings() {
    for (int length : new int[] {0, 1, 31, 32, 255, 256, 65_535, 65_536, 200_000}) {
      String s = "x".repeat(length);
      List<Map.Entry<String, String>> headers = List.of(Map.entry("Host", "example"), Map.entry("X-" + s, s),
          Map.entry("X-Unicode", "\u00e9t\u00e9 \u2603"));
      byte[] body = ("b".repeat(length) + "\u2603").getBytes(StandardCharsets.UTF_8);
      ByteString parts = ByteString.fromArray(body, 0, body.length / 3)
          .concat(ByteString.fromArray(body, body.length / 3, body.length - body.length / 3));
      assertArrayEquals(asValues("POST", "/" + s + "?q=1", "1.1", headers, body),
          RequestChunk.encode("POST", "/" + s + "?q=1", "1.1", headers, parts), "strings of " + length);
    }
    assertArrayEquals(asValues("GET", "/", "1.0", List.of(), new byte[0]),
        RequestChunk.encode("GET", "/", "1.0", List.of(), ByteString.emptyByteString()));
  }

  /**
   * A 64 MiB body as pekko hands it over (many read-only parts) costs the chunk it becomes and one
   * buffer to pack it in, not a buffer grown piece by piece: that copied it some 60 times, with two
   * generations of the buffer alive at each step, and ran a 512 MiB runtime out of heap.
   */
  @Test
  void aBigBodyInManyPartsIsPackedWithoutGrowingItsBufferPieceByPiece() {
    int size = 64 << 20;
    byte[] body = new byte[size];
    body[size - 1] = 7;
    ByteString parts = ByteString.emptyByteString();
    for (int off = 0; off < size; off += 16_384) {
      parts = parts.concat(ByteString.fromArray(body, off, 16_384));
    }
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().getId();
    long before = threads.getThreadAllocatedBytes(id);
    byte[] chunk = RequestChunk.encode("POST", "/big", "1.1", List.of(Map.entry("Host", "h")), parts);
    long allocated = threads.getThreadAllocatedBytes(id) - before;
    assertEquals(7, chunk[chunk.length - 1]);
    assertTrue(allocated < size * 2.3, "allocated " + allocated / (1 << 20) + " MiB for a 64 MiB body");
  }
}
