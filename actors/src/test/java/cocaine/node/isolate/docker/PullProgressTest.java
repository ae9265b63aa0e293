package cocaine.node.isolate.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.model.PullResponseItem;
import org.junit.jupiter.api.Test;

/** What a pull's progress stream keeps for the spool's error. */
class PullProgressTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static PullResponseItem item(String json) throws Exception {
    return JSON.readValue(json, PullResponseItem.class);
  }

  @Test
  void statusLinesAreNoError() throws Exception {
    PullProgress progress = new PullProgress("echo", "r:5000/echo:1");
    progress.onNext(item("{\"status\":\"Pulling from echo\",\"id\":\"1\"}"));
    progress.onNext(item("{\"status\":\"Downloading\",\"id\":\"a1\",\"progress\":\"[=>  ] 1MB/9MB\"}"));
    progress.onNext(item("{\"status\":\"Downloaded newer image for r:5000/echo:1\"}"));
    progress.onNext(item("{}"));
    assertNull(progress.error());
  }

  @Test
  void theDaemonsErrorDetailIsKeptAndItsPlainErrorWithout() throws Exception {
    PullProgress detailed = new PullProgress("echo", "r:5000/echo:1");
    detailed.onNext(item("{\"error\":\"short\",\"errorDetail\":{\"message\":\"manifest for r:5000/echo:1 not found\"}}"));
    assertEquals("manifest for r:5000/echo:1 not found", detailed.error());

    PullProgress plain = new PullProgress("echo", "r:5000/echo:1");
    plain.onNext(item("{\"error\":\"unauthorized\"}"));
    assertEquals("unauthorized", plain.error());
  }

  @Test
  void aBrokenStreamIsKeptAsDockersReason() {
    PullProgress progress = new PullProgress("echo", "r:5000/echo:1");
    progress.onError(new IllegalStateException("connection reset"));
    assertEquals("connection reset", progress.error());
  }
}
