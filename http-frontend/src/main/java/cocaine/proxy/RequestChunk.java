package cocaine.proxy;

import cocaine.wire.FrameEncoder;
import cocaine.wire.Values;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.msgpack.value.Value;

/**
 * The request as the app reads it from its first chunk (ECOSYSTEM.md 2.3, docs/protocol.md 3.7):
 * msgpack {@code [method, uri, version, [[name, value], ...], body]}, every string and the body
 * packed as old-style raw (fixstr, str16, str32; never str8 or bin), so 2013-era decoders in the
 * worker frameworks read it.
 */
public final class RequestChunk {
  private RequestChunk() {}

  /**
   * @param version "1.1" or "1.0"
   * @param headers in the order received, names in their original case, duplicates kept
   * @param body the whole body, or empty for an app that takes the body as later chunks
   */
  public static byte[] encode(String method, String uri, String version, List<Map.Entry<String, String>> headers,
      byte[] body) {
    List<Value> pairs = new ArrayList<>(headers.size());
    for (Map.Entry<String, String> h : headers) {
      pairs.add(Values.array(Values.str(h.getKey()), Values.str(h.getValue())));
    }
    return FrameEncoder.encodeValue(Values.array(Values.str(method), Values.str(uri), Values.str(version),
        Values.array(pairs), Values.bytes(body)));
  }
}
