package cocaine.worker;

import com.code_intelligence.jazzer.junit.FuzzTest;
import cocaine.wire.CocaineException;
import cocaine.wire.Values;
import java.util.List;

/**
 * The HTTP head chunk as a worker receives it from a proxy (or anyone who can reach the app):
 * any bytes either unpack to a request or are refused with a {@link CocaineException} that the
 * HTTP handler turns into a 400. Regression inputs live in {@code HttpRequestFuzzTestInputs/}.
 */
class HttpRequestFuzzTest {
  @FuzzTest(maxDuration = "5s")
  void headChunkIsARequestOrA400(byte[] chunk) {
    Request request = new Request(2, "http", List.of(), 4, 1 << 20);
    try {
      HttpRequest http = HttpRequest.decode(Values.bytes(chunk), request);
      http.path();
      http.query();
      http.header("content-type");
    } catch (CocaineException e) {
      // the handler answers 400 with this message
    }
  }
}
