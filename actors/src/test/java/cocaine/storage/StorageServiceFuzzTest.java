package cocaine.storage;

import com.code_intelligence.jazzer.junit.FuzzTest;
import cocaine.rpc.ChannelContext;
import cocaine.wire.Message;
import cocaine.wire.Values;
import cocaine.wire.WireException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.stream.javadsl.Source;
import org.msgpack.value.Value;

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
    if (input.length < 2) {
      return;
    }
    Value args;
    try {
      args = Values.unpack(input, 1, input.length - 1);
    } catch (WireException e) {
      return; // not msgpack: the frame decoder refuses it before any service sees it
    }
    if (!args.isArrayValue()) {
      return;
    }
    SERVICE.open(new ChannelContext(1, "fuzz", 1), new Message(input[0] & 0x07, args.asArrayValue().list(), List.of()), Source.empty());
  }
}
