package cocaine.storage;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.rpc.service.ChannelContext;
import cocaine.rpc.service.Dispatched;
import cocaine.security.AccessToken;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Graph;
import cocaine.wire.Header;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.msgpack.value.Value;

@ExtendWith(TestKitJUnit5Extension.class)
class StorageServiceTest {
  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();
  @TempDir Path root;
  FilesStorage storage;
  StorageService service;

  @BeforeEach
  void open() {
    storage = FilesStorage.create(root, 2, 64);
    service = new StorageService(storage);
  }

  @AfterEach
  void close() {
    storage.close();
  }

  Message call(int method, Value... args) throws Exception {
    List<Message> out = Dispatched.open(service, new ChannelContext(1, "test", 1), Message.of(method, args), Source.empty())
        .runWith(Sink.seq(), testKit.system()).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(1, out.size(), "a primitive reply is one message: " + out);
    return out.get(0);
  }

  static Value str(String s) {
    return Values.str(s);
  }

  @Test
  void graphsAreThoseOfTheOriginal() {
    assertEquals("{\"0\":[\"read\",{},{\"0\":[\"value\",{}],\"1\":[\"error\",{}]}],"
        + "\"1\":[\"write\",{},{\"0\":[\"value\",{}],\"1\":[\"error\",{}]}],"
        + "\"2\":[\"remove\",{},{\"0\":[\"value\",{}],\"1\":[\"error\",{}]}],"
        + "\"3\":[\"find\",{},{\"0\":[\"value\",{}],\"1\":[\"error\",{}]}],"
        + "\"4\":[\"watch\",{\"0\":[\"discard\",{}]},{\"0\":[\"write\",null],\"1\":[\"error\",{}],\"2\":[\"close\",{}]}]}",
        service.protocol().toValue().toJson());
    assertEquals(1, service.version());
    assertEquals("storage", service.name());
  }

  @Test
  void writeThenReadThenFindThenRemove() throws Exception {
    byte[] blob = {(byte) 0x81, (byte) 0xa1, 'a', 1, 0, (byte) 0xff};
    assertEquals(Message.value(), call(1, str("manifests"), str("echo"), Values.bytes(blob), Values.strings(List.of("app"))));
    Message read = call(0, str("manifests"), str("echo"));
    assertEquals(Graph.VALUE, read.type());
    assertArrayEquals(blob, Values.asBytes(read.args().get(0)));
    assertEquals(Message.value(Values.strings(List.of("echo"))), call(3, str("manifests"), Values.strings(List.of("app"))));
    assertEquals(Message.value(), call(2, str("manifests"), str("echo")));
    CocaineException missing = call(0, str("manifests"), str("echo")).toException();
    assertEquals(ErrorCode.NOT_FOUND, missing.code());
  }

  @Test
  void watchStreamsTheChangedKeysOfItsCollectionAndStopsWatchingWhenTheClientGoes() throws Exception {
    Map<String, Consumer<String>> watchers = new ConcurrentHashMap<>();
    StorageService watching = new StorageService(storage, AccessToken.NONE, (collection, onKey) -> {
      watchers.put(collection, onKey);
      return () -> watchers.remove(collection);
    });
    CompletionStage<List<Message>> got = Dispatched.open(watching, new ChannelContext(1, "test", 1),
            Message.of(StorageService.WATCH, str("timeouts")), Source.never())
        .take(2).runWith(Sink.seq(), testKit.system());
    await().atMost(Duration.ofSeconds(10)).until(() -> watchers.containsKey("timeouts"));
    watchers.get("timeouts").accept("echo");
    watchers.get("timeouts").accept("web");
    assertEquals(List.of(Message.write(str("echo")), Message.write(str("web"))),
        got.toCompletableFuture().get(10, TimeUnit.SECONDS));
    // the client took what it wanted and went: the watch is closed
    await().atMost(Duration.ofSeconds(10)).until(watchers::isEmpty);
  }

  @Test
  void watchWithoutAWatchableStorageIsRefusedOnItsChannel() throws Exception {
    CocaineException e = call(StorageService.WATCH, str("timeouts")).toException();
    assertEquals(ErrorCode.SLOT_NOT_FOUND, e.code());
  }

  @Test
  void writeWithoutTagsIsAccepted() throws Exception {
    assertEquals(Message.value(), call(1, str("c"), str("k"), Values.bytes("v".getBytes(StandardCharsets.UTF_8))));
  }

  @Test
  void badArgumentsGetInvalidArgumentNamingTheSignature() throws Exception {
    CocaineException e = call(1, str("c"), Values.integer(7)).toException();
    assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    assertEquals("storage.write expects (collection: str, key: str, blob: raw, tags: [str]?), got (str, int): 'key' must be str,"
        + " got int", e.getMessage());

    e = call(3, str("c"), Values.array(Values.integer(1))).toException();
    assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    assertTrue(e.getMessage().endsWith("got (str, [int]): 'tags' must be [str], got [int]"), e.getMessage());

    assertEquals(ErrorCode.INVALID_ARGUMENT, call(0).toException().code());
  }

  @Test
  void badKeyOverTheWireIsRefusedWithInvalidKey() throws Exception {
    CocaineException e = call(0, str("c"), str("..")).toException();
    assertEquals(new ErrorCode(12, 22), e.code());
    assertEquals("invalid key '..': must not be '.' or '..'", e.getMessage());
  }

  @Test
  void withATokenWritesAndRemovesNeedItExceptInOpenCollections() throws Exception {
    service = new StorageService(storage, AccessToken.of("t0ken", Set.of("app-data")));
    Value blob = Values.bytes(new byte[] {1});
    assertEquals(ErrorCode.TOKEN_NOT_FOUND, call(1, str("manifests"), str("echo"), blob).toException().code());
    assertEquals(ErrorCode.TOKEN_NOT_FOUND, call(2, str("manifests"), str("echo")).toException().code());
    assertEquals(ErrorCode.UNAUTHORIZED, callWith(List.of(AccessToken.header("wrong")), 1, str("manifests"), str("echo"), blob)
        .toException().code());
    assertEquals(Message.value(), callWith(List.of(AccessToken.header("t0ken")), 1, str("manifests"), str("echo"), blob));
    assertEquals(Message.value(Values.bytes(new byte[] {1})), callWith(List.of(AccessToken.header("t0ken")), 0,
        str("manifests"), str("echo")));
    assertEquals(Message.value(), call(1, str("app-data"), str("k"), blob), "an open collection needs no token");
    assertEquals(ErrorCode.TOKEN_NOT_FOUND, call(1, str("other"), str("k"), blob).toException().code());
  }

  @Test
  void platformCollectionsCannotBeOpened() throws Exception {
    service = new StorageService(storage, AccessToken.of("t0ken", Set.of("profiles", "crashlogs")));
    assertEquals(ErrorCode.TOKEN_NOT_FOUND, call(1, str("profiles"), str("p"), Values.bytes(new byte[0])).toException().code());
    assertEquals(ErrorCode.TOKEN_NOT_FOUND, call(2, str("crashlogs"), str("1:uuid")).toException().code());
  }

  @Test
  void withATokenReadsAndFindsOfThePlatformsCollectionsNeedIt() throws Exception {
    service = new StorageService(storage, AccessToken.of("t0ken", Set.of("manifests", "apps")));
    Value tags = Values.strings(List.of("app"));
    for (String collection : List.of("manifests", "profiles", "runlists", "groups", "apps", "crashlogs")) {
      storage.write(collection, "echo", new byte[] {7}, List.of("app")).toCompletableFuture().get(5, TimeUnit.SECONDS);
      CocaineException read = call(0, str(collection), str("echo")).toException();
      assertEquals(ErrorCode.TOKEN_NOT_FOUND, read.code(), collection);
      assertTrue(read.getMessage().startsWith("storage.read('" + collection + "', 'echo') reads a private collection and "
          + "needs the access token"), read.getMessage());
      assertEquals(ErrorCode.TOKEN_NOT_FOUND, call(3, str(collection), tags).toException().code(), collection);
      assertEquals(ErrorCode.UNAUTHORIZED, callWith(List.of(AccessToken.header("guess")), 0, str(collection), str("echo"))
          .toException().code(), collection);
      assertEquals(ErrorCode.UNAUTHORIZED, callWith(List.of(AccessToken.header("guess")), 3, str(collection), tags)
          .toException().code(), collection);
      assertEquals(Message.value(Values.bytes(new byte[] {7})),
          callWith(List.of(AccessToken.header("t0ken")), 0, str(collection), str("echo")), collection);
      assertEquals(Message.value(Values.strings(List.of("echo"))),
          callWith(List.of(AccessToken.header("t0ken")), 3, str(collection), tags), collection);
    }
  }

  @Test
  void privateCollectionsNeedTheTokenToBeReadAndOthersStayOpen() throws Exception {
    service = new StorageService(storage, AccessToken.of("t0ken", Set.of("app-data"), Set.of("secrets")));
    storage.write("secrets", "k", new byte[] {1}, List.of("t")).toCompletableFuture().get(5, TimeUnit.SECONDS);
    storage.write("app-data", "k", new byte[] {2}, List.of("t")).toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertEquals(ErrorCode.TOKEN_NOT_FOUND, call(0, str("secrets"), str("k")).toException().code());
    assertEquals(ErrorCode.TOKEN_NOT_FOUND, call(3, str("secrets"), Values.strings(List.of("t"))).toException().code());
    assertEquals(Message.value(Values.bytes(new byte[] {1})),
        callWith(List.of(AccessToken.header("t0ken")), 0, str("secrets"), str("k")));
    assertEquals(Message.value(Values.bytes(new byte[] {2})), call(0, str("app-data"), str("k")), "an app's open data");
    assertEquals(Message.value(Values.strings(List.of("k"))), call(3, str("app-data"), Values.strings(List.of("t"))));
  }

  @Test
  void withoutATokenEveryReadIsOpenAsBefore() throws Exception {
    service = new StorageService(storage, AccessToken.of("", Set.of(), Set.of("secrets")));
    storage.write("manifests", "echo", new byte[] {3}, List.of("app")).toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertEquals(Message.value(Values.bytes(new byte[] {3})), call(0, str("manifests"), str("echo")));
    assertEquals(Message.value(Values.strings(List.of("echo"))), call(3, str("manifests"), Values.strings(List.of("app"))));
  }

  Message callWith(List<Header> headers, int method, Value... args) throws Exception {
    List<Message> out = Dispatched.open(service, new ChannelContext(1, "test", 1), new Message(method, List.of(args), headers),
            Source.empty())
        .runWith(Sink.seq(), testKit.system()).toCompletableFuture().get(10, TimeUnit.SECONDS);
    return out.get(0);
  }
}
