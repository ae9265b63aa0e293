package cocaine.storage;

import com.code_intelligence.jazzer.junit.FuzzTest;
import cocaine.rpc.ChannelContext;
import cocaine.wire.Message;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.stream.javadsl.Source;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
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
    List<Value> args = ServiceFuzzInput.args(input);
    if (args == null) {
      return;
    }
    SERVICE.open(new ChannelContext(1, "fuzz", 1), new Message(input[0] & 0x07, args, List.of()), Source.empty());
  }

  /** Splits a fuzz input into a method id and the argument list a decoded frame would carry. */
  static final class ServiceFuzzInput {
    static List<Value> args(byte[] input) {
      if (input.length < 2) {
        return null;
      }
      try (MessageUnpacker unpacker = MessagePack.newDefaultUnpacker(input, 1, input.length - 1)) {
        Value v = unpacker.unpackValue();
        return v.isArrayValue() ? v.asArrayValue().list() : null;
      } catch (IOException | RuntimeException e) {
        return null; // not msgpack: the frame decoder's fuzz test covers that
      }
    }
  }
}
