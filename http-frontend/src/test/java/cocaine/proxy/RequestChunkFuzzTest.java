package cocaine.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import cocaine.wire.Values;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.Value;

/**
 * Whatever method, URI, headers and body a client sends, the proxy packs them so that the app
 * reads back exactly those (as UTF-8) in one msgpack array. Regression inputs live in
 * {@code RequestChunkFuzzTestInputs/}.
 */
class RequestChunkFuzzTest {
  @FuzzTest(maxDuration = "5s")
  void packedRequestReadsBackUnchanged(FuzzedDataProvider data) throws IOException {
    String method = data.consumeString(16);
    String uri = data.consumeString(512);
    String version = data.consumeBoolean() ? "1.1" : "1.0";
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    int count = data.consumeInt(0, 40);
    for (int i = 0; i < count; i++) {
      headers.add(Map.entry(data.consumeString(64), data.consumeString(256)));
    }
    byte[] body = data.consumeRemainingAsBytes();

    byte[] chunk = RequestChunk.encode(method, uri, version, headers, org.apache.pekko.util.ByteString.fromArray(body));

    Value v;
    try (MessageUnpacker unpacker = MessagePack.newDefaultUnpacker(chunk)) {
      v = unpacker.unpackValue();
    }
    List<Value> parts = v.asArrayValue().list();
    assertEquals(5, parts.size());
    assertEquals(utf8(method), Values.asString(parts.get(0)));
    assertEquals(utf8(uri), Values.asString(parts.get(1)));
    assertEquals(version, Values.asString(parts.get(2)));
    List<Value> packed = parts.get(3).asArrayValue().list();
    assertEquals(headers.size(), packed.size());
    for (int i = 0; i < headers.size(); i++) {
      assertEquals(utf8(headers.get(i).getKey()), Values.asString(packed.get(i).asArrayValue().get(0)));
      assertEquals(utf8(headers.get(i).getValue()), Values.asString(packed.get(i).asArrayValue().get(1)));
    }
    assertArrayEquals(body, Values.asBytes(parts.get(4)));
  }

  /** What a string becomes on the wire (an unpaired surrogate turns into '?'). */
  private static String utf8(String s) {
    return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
  }
}
