package cocaine.storage;

import cocaine.fuzz.FuzzedCall;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Any arguments a client sends to storage's methods get a reply (a value, or an error message
 * naming what is wrong); the service never throws at its caller. Input: one byte of method id,
 * then the msgpack argument array. Regression inputs live in {@code StorageServiceFuzzTestInputs/}.
 */
class StorageServiceFuzzTest {
  private static final StorageService SERVICE = new StorageService(new Storage() {
    @Override
    public CompletionStage<byte[]> read(String collection, String key) {
      return CompletableFuture.completedFuture(new byte[0]);
    }

    @Override
    public CompletionStage<Void> write(String collection, String key, byte[] blob, List<String> tags) {
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> remove(String collection, String key) {
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<List<String>> find(String collection, List<String> tags) {
      return CompletableFuture.completedFuture(List.of());
    }
  });

  @FuzzTest(maxDuration = "5s")
  void anyArgumentsGetAReplyNotAnException(byte[] input) {
    FuzzedCall.open(SERVICE, input);
  }
}
