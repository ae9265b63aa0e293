package cocaine.proxy;

import cocaine.wire.FrameEncoder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.pekko.util.ByteString;
import org.msgpack.core.MessagePacker;

/**
 * The request as the app reads it from its first chunk (ECOSYSTEM.md 2.3, docs/protocol.md 3.7):
 * msgpack {@code [method, uri, version, [[name, value], ...], body]}, every string and the body
 * packed as old-style raw (fixstr, str16, str32; never str8 or bin), so 2013-era decoders in the
 * worker frameworks read it. Packed straight from the strings and the body's own buffers: no
 * msgpack values and no copy of the body on the way.
 */
public final class RequestChunk {
  private static final ThreadLocal<byte[]> STAGE = ThreadLocal.withInitial(() -> new byte[8192]);

  private RequestChunk() {}

  /**
   * @param version "1.1" or "1.0"
   * @param headers in the order received, names in their original case, duplicates kept
   * @param body the whole body, or empty for an app that takes the body as later chunks
   */
  public static byte[] encode(String method, String uri, String version, List<Map.Entry<String, String>> headers,
      ByteString body) {
    return FrameEncoder.pack(packer -> {
      packer.packArrayHeader(5);
      raw(packer, method);
      raw(packer, uri);
      raw(packer, version);
      packer.packArrayHeader(headers.size());
      for (Map.Entry<String, String> h : headers) {
        packer.packArrayHeader(2);
        raw(packer, h.getKey());
        raw(packer, h.getValue());
      }
      packer.packRawStringHeader(body.size());
      FrameEncoder.reserve(body.size()); // one buffer for a body written in pieces, not one growth per piece
      for (ByteBuffer part : body.getByteBuffers()) {
        if (part.hasArray()) {
          packer.writePayload(part.array(), part.arrayOffset() + part.position(), part.remaining());
        } else { // pekko's buffers are read-only views: through this thread's stage, not a new array
          byte[] stage = STAGE.get();
          while (part.hasRemaining()) {
            int n = Math.min(stage.length, part.remaining());
            part.get(stage, 0, n);
            packer.writePayload(stage, 0, n);
          }
        }
      }
    });
  }

  private static void raw(MessagePacker packer, String s) throws IOException {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    packer.packRawStringHeader(bytes.length);
    packer.writePayload(bytes);
  }
}
