package cocaine.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cocaine.rpc.channel.ClientConnection;
import cocaine.rpc.service.Server;
import cocaine.rpc.transport.ConnectionSettings;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Values;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.stream.javadsl.Tcp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.msgpack.value.Value;

/** The storage service served by the real transport, called by the real client. */
@ExtendWith(TestKitJUnit5Extension.class)
class StorageOverTcpTest {
  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();
  @TempDir Path root;
  FilesStorage storage;
  Tcp.ServerBinding binding;
  ClientConnection client;

  @BeforeEach
  void start() throws Exception {
    storage = FilesStorage.create(root, 2, 64);
    binding = Server.bind(testKit.system(), "127.0.0.1", 0, new StorageService(storage), ConnectionSettings.DEFAULTS)
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    client = ClientConnection.connect(testKit.system(), "127.0.0.1", binding.localAddress().getPort(),
        ConnectionSettings.DEFAULTS).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    storage.close();
  }

  List<Value> call(int method, Value... args) throws Exception {
    return client.call(method, args).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  CocaineException failure(int method, Value... args) {
    return (CocaineException) assertThrows(CompletionException.class,
        () -> client.call(method, args).toCompletableFuture().join()).getCause();
  }

  @Test
  void writeReadFindRemoveOverTcp() throws Exception {
    byte[] blob = new byte[300_000];
    blob[0] = 1;
    blob[blob.length - 1] = 2;
    assertEquals(List.of(), call(StorageService.WRITE, Values.str("apps"), Values.str("echo"), Values.bytes(blob),
        Values.strings(List.of("app", "v1"))));
    assertArrayEquals(blob, Values.asBytes(call(StorageService.READ, Values.str("apps"), Values.str("echo")).get(0)));
    assertEquals(List.of(Values.strings(List.of("echo"))),
        call(StorageService.FIND, Values.str("apps"), Values.strings(List.of("v1", "app"))));
    assertEquals(List.of(), call(StorageService.REMOVE, Values.str("apps"), Values.str("echo")));
    assertEquals(ErrorCode.NOT_FOUND, failure(StorageService.READ, Values.str("apps"), Values.str("echo")).code());
  }

  @Test
  void refusedInputsAreErrorsAndTheConnectionGoesOn() throws Exception {
    assertEquals(new ErrorCode(12, 22), failure(StorageService.READ, Values.str("apps"), Values.str("a/b")).code());
    assertEquals(new ErrorCode(7, 2), failure(StorageService.WRITE, Values.str("apps")).code());
    assertEquals(List.of(Values.strings(List.of())), call(StorageService.FIND, Values.str("apps"), Values.strings(List.of("x"))));
  }
}
