package cocaine.model;

import cocaine.routing.RoutingGroup;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Uploaded JSON documents (manifest, profile, routing group, runlist) as the CLI and storage hand
 * them over: any bytes either decode to a model or are refused with {@link InvalidModelException}
 * naming the document; nothing else escapes. Regression inputs live in {@code ModelFuzzTestInputs/}.
 */
class ModelFuzzTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @FuzzTest(maxDuration = "5s")
  void manifestIsReadOrRefusedClearly(byte[] json) {
    read(json, Manifest::fromMap);
  }

  @FuzzTest(maxDuration = "5s")
  void profileIsReadOrRefusedClearly(byte[] json) {
    read(json, Profile::fromMap);
  }

  @FuzzTest(maxDuration = "5s")
  void routingGroupIsReadOrRefusedClearly(byte[] json) {
    read(json, RoutingGroup::fromMap);
  }

  @FuzzTest(maxDuration = "5s")
  void runlistIsReadOrRefusedClearly(byte[] json) {
    read(json, Runlist::fromMap);
  }

  private static void read(byte[] json, BiFunction<String, Map<String, ?>, ?> fromMap) {
    Object doc;
    try {
      doc = JSON.readValue(json, Object.class);
    } catch (IOException e) {
      // not JSON (Jackson reports a bad encoding as CharConversionException, an IOException):
      // refused by the reader before any model sees it
      return;
    }
    if (!(doc instanceof Map<?, ?> map)) {
      return;
    }
    @SuppressWarnings("unchecked")
    Map<String, ?> fields = (Map<String, ?>) map;
    try {
      fromMap.apply("fuzzed", fields);
    } catch (InvalidModelException e) {
      if (!e.getMessage().contains("'fuzzed'")) {
        throw new AssertionError("the error does not name the document: " + e.getMessage(), e);
      }
    }
  }
}
