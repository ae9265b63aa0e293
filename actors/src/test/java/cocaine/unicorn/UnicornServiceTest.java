package cocaine.unicorn;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import cocaine.client.Connection;
import cocaine.client.Locator;
import cocaine.client.ServiceClient;
import cocaine.client.UnicornClient;
import cocaine.rpc.service.Server;
import cocaine.rpc.transport.ConnectionSettings;
import cocaine.security.AccessToken;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Values;
import cocaine.wire.WireClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.stream.javadsl.Tcp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.msgpack.value.Value;
import org.msgpack.value.ValueFactory;

/**
 * The unicorn service over the real transport against a real ZooKeeper (scripts/zookeeper.sh):
 * each method through {@link UnicornClient}, the wire bytes through raw frames, and the refusals.
 */
@Tag("zookeeper")
@ExtendWith(TestKitJUnit5Extension.class)
class UnicornServiceTest {
  static final Path SCRIPT = Path.of(System.getProperty("user.dir")).resolve("../scripts/zookeeper.sh").normalize();
  static final Duration WAIT = Duration.ofSeconds(20);
  static final AtomicInteger ROOTS = new AtomicInteger();
  static final String TOKEN = "unicorn-test-token";
  static final int BUFFER = 4;

  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();
  @TempDir static Path zkDir;
  static int zkPort;

  Znodes znodes;
  ActorRef<Unicorn.Command> unicorn;
  Tcp.ServerBinding binding;
  final List<AutoCloseable> closing = new ArrayList<>();

  @BeforeAll
  static void startZookeeper() throws Exception {
    assumeTrue(Files.exists(Path.of("/usr/share/java/zookeeper.jar")),
        "ZooKeeper is not installed: apt-get install -y zookeeper (scripts/setup-debian.sh); ZooKeeper tests skipped");
    try (ServerSocket s = new ServerSocket(0)) {
      zkPort = s.getLocalPort();
    }
    zookeeper("start", zkDir.toString(), Integer.toString(zkPort));
  }

  @AfterAll
  static void stopZookeeper() throws Exception {
    if (zkPort != 0) {
      zookeeper("stop", zkDir.toString());
    }
  }

  static void zookeeper(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("bash", SCRIPT.toString()));
    cmd.addAll(List.of(args));
    Path log = Files.createTempFile("zookeeper-sh-", ".out");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean finished = p.waitFor(90, TimeUnit.SECONDS);
    String out = Files.readString(log);
    Files.delete(log);
    assertTrue(finished && p.exitValue() == 0, "zookeeper.sh " + String.join(" ", args) + ": " + out);
  }

  @BeforeEach
  void start() throws Exception {
    start(AccessToken.NONE);
  }

  void start(AccessToken access) throws Exception {
    UnicornSettings settings = new UnicornSettings(true, "127.0.0.1:" + zkPort, "/unicorn-test-" + ROOTS.incrementAndGet(),
        Duration.ofSeconds(10), Duration.ofSeconds(5), 256 * 1024, BUFFER, List.of("/secret"));
    znodes = Znodes.open(settings);
    unicorn = testKit.spawn(Unicorn.create(znodes, BUFFER));
    binding = Server.bind(testKit.system(), "127.0.0.1", 0, new UnicornService(unicorn, znodes, access, BUFFER),
        ConnectionSettings.DEFAULTS).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
    binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    testKit.stop(unicorn);
    znodes.close();
  }

  UnicornClient client(String... token) throws IOException {
    Map<Integer, String> methods = new TreeMap<>();
    UnicornService.PROTOCOL.methods().forEach((id, m) -> methods.put(id, m.name()));
    Locator.Resolved resolved = new Locator.Resolved("unicorn",
        List.of(new Locator.Endpoint("127.0.0.1", binding.localAddress().getPort())), 1, methods,
        UnicornService.PROTOCOL.toValue());
    UnicornClient c = new UnicornClient(ServiceClient.connect(resolved, Connection.Settings.DEFAULT), WAIT,
        token.length == 0 ? List.of() : List.of(AccessToken.header(token[0])));
    closing.add(c);
    return c;
  }

  WireClient raw(int receiveBuffer) throws IOException {
    WireClient c = new WireClient(binding.localAddress().getPort(), receiveBuffer);
    closing.add(c);
    return c;
  }

  static ErrorCode code(Runnable call) {
    return assertThrows(CocaineException.class, call::run).code();
  }

  static ErrorCode unicorn(int code) {
    return new ErrorCode(UnicornError.CATEGORY, code);
  }

  Unicorn.Open open() {
    return AskPattern.<Unicorn.Command, Unicorn.Open>ask(unicorn, Unicorn.Count::new, WAIT, testKit.scheduler())
        .toCompletableFuture().join();
  }

  @Test
  void getOfAMissingNodeIsNilAtVersionMinusOne() throws Exception {
    UnicornClient c = client();
    assertEquals(new UnicornClient.Versioned(ValueFactory.newNil(), -1), c.get("/nothing/here"));
  }

  @Test
  void createStoresAnyMsgpackValueAndRefusesAnExistingNode() throws Exception {
    UnicornClient c = client();
    Value value = Values.fromJava(Map.of("hosts", List.of("a", "b"), "weight", 3));
    assertTrue(c.create("/apps/echo/config", value));
    assertEquals(new UnicornClient.Versioned(value, 0), c.get("/apps/echo/config"));
    assertEquals(unicorn(9), code(() -> c.create("/apps/echo/config", 1)));
    // the parents were made on the way, and a node with children holds no value
    assertEquals(unicorn(1), code(() -> c.get("/apps/echo")));
  }

  @Test
  void putWritesOnlyAtTheGivenVersionAndOtherwiseAnswersWhatIsStored() throws Exception {
    UnicornClient c = client();
    c.create("/cas", "v0");
    assertEquals(new UnicornClient.Put(true, new UnicornClient.Versioned(Values.str("v1"), 1)), c.put("/cas", "v1", 0));
    assertEquals(new UnicornClient.Put(false, new UnicornClient.Versioned(Values.str("v1"), 1)), c.put("/cas", "stale", 0));
    assertEquals(Values.str("v1"), c.get("/cas").value());
    assertEquals(unicorn(8), code(() -> c.put("/missing", "x", 0)));
    assertEquals(unicorn(7), code(() -> c.put("/cas", "x", -1)));
  }

  @Test
  void removeNeedsTheVersionAndANodeWithoutChildren() throws Exception {
    UnicornClient c = client();
    c.create("/gone", 1);
    assertEquals(unicorn(7), code(() -> c.remove("/gone", 5)));
    assertTrue(c.remove("/gone", 0));
    assertEquals(-1, c.get("/gone").version());
    assertEquals(unicorn(8), code(() -> c.remove("/gone", -1)));
    c.create("/parent/child", 1);
    assertEquals(unicorn(11), code(() -> c.remove("/parent", -1)));
    assertEquals(unicorn(6), code(() -> c.remove("/", -1)));
  }

  @Test
  void incrementCreatesThenAddsAndAFloatMakesAFloat() throws Exception {
    UnicornClient c = client();
    assertEquals(new UnicornClient.Versioned(Values.integer(5), 0), c.increment("/counter", 5));
    assertEquals(new UnicornClient.Versioned(Values.integer(7), 1), c.increment("/counter", 2));
    assertEquals(new UnicornClient.Versioned(ValueFactory.newFloat(7.5), 2), c.increment("/counter", 0.5));
    c.create("/text", "seven");
    assertEquals(unicorn(2), code(() -> c.increment("/text", 1)));
    assertEquals(unicorn(2), code(() -> c.increment("/counter", null)));
  }

  @Test
  void concurrentIncrementsFromManyClientsLoseNoneOfThem() throws Exception {
    List<CompletableFuture<Void>> runs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      UnicornClient c = client();
      runs.add(CompletableFuture.runAsync(() -> {
        for (int n = 0; n < 10; n++) {
          c.increment("/hits", 1);
        }
      }));
    }
    CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    assertEquals(Values.integer(40), client().get("/hits").value());
  }

  @Test
  void subscribeWritesEachVersionAndEndsWhenTheNodeIsRemoved() throws Exception {
    UnicornClient c = client();
    try (UnicornClient.Subscription s = c.subscribe("/watched")) {
      assertEquals(new UnicornClient.Versioned(ValueFactory.newNil(), -1), s.nextValue(WAIT));
      c.create("/watched", "a");
      assertEquals(new UnicornClient.Versioned(Values.str("a"), 0), s.nextValue(WAIT));
      c.put("/watched", "b", 0);
      assertEquals(new UnicornClient.Versioned(Values.str("b"), 1), s.nextValue(WAIT));
      c.remove("/watched", 1);
      assertEquals(unicorn(8), code(() -> s.nextValue(WAIT)));
    }
    await().atMost(WAIT).until(() -> open().subscriptions() == 0);
  }

  @Test
  void childrenSubscribeWritesTheNamesOnEachChangeAndClosingEndsIt() throws Exception {
    UnicornClient c = client();
    c.create("/dir/a", 1);
    UnicornClient.Subscription s = c.subscribeChildren("/dir");
    UnicornClient.Children first = s.nextChildren(WAIT);
    assertEquals(List.of("a"), first.names());
    c.create("/dir/b", 2);
    UnicornClient.Children second = s.nextChildren(WAIT);
    assertEquals(List.of("a", "b"), second.names());
    assertTrue(second.version() > first.version(), second + " after " + first);
    assertEquals(1, open().subscriptions());
    s.close();
    await().atMost(WAIT).until(() -> open().subscriptions() == 0);
    assertEquals(unicorn(8), code(() -> c.subscribeChildren("/no/such/dir").nextChildren(WAIT)));
  }

  @Test
  void aLockIsHeldByOneAndPassesToTheNextWaiterWhenTheHolderDisconnects() throws Exception {
    UnicornClient holder = client();
    UnicornClient waiter = client();
    holder.lock("/locks/deploy", WAIT);
    CompletableFuture<UnicornClient.Held> next = CompletableFuture.supplyAsync(() -> waiter.lock("/locks/deploy", WAIT));
    await().atMost(WAIT).until(() -> open().locks() == 2);
    assertFalse(next.isDone(), "the waiter got a lock that is held");
    holder.close(); // the holder's connection goes away without closing its channel
    next.get(WAIT.toSeconds(), TimeUnit.SECONDS).close();
    await().atMost(WAIT).until(() -> open().locks() == 0);
    // released: a third taker gets it at once, and the lock's folder is empty again
    client().lock("/locks/deploy", WAIT).close();
    await().atMost(WAIT).until(() -> client().subscribeChildren("/locks/deploy").nextChildren(WAIT).names().isEmpty());
  }

  @Test
  void aNamedLockHoldsItsNameUntilClosed() throws Exception {
    UnicornClient c = client();
    UnicornClient.Held held = c.namedLock("/locks/named", "node-7", WAIT);
    List<String> nodes = c.subscribeChildren("/locks/named").nextChildren(WAIT).names();
    assertEquals(1, nodes.size());
    assertEquals(Values.str("node-7"), c.get("/locks/named/" + nodes.get(0)).value());
    held.close();
    await().atMost(WAIT).until(() -> c.get("/locks/named/" + nodes.get(0)).version() == -1);
  }

  @Test
  void badArgumentsAreRefusedWithTheirReasonAndTheConnectionGoesOn() throws Exception {
    UnicornClient c = client();
    ServiceClient service = c.service();
    assertEquals(ErrorCode.INVALID_ARGUMENT, code(() -> Connection.await(service.call("get", 42), WAIT, "get")));
    assertEquals(ErrorCode.INVALID_ARGUMENT, code(() -> Connection.await(service.call("put", "/a", "v"), WAIT, "put")));
    assertEquals(ErrorCode.INVALID_ARGUMENT, code(() -> Connection.await(service.call("put", "/a", "v", "one"), WAIT, "put")));
    assertEquals(ErrorCode.INVALID_ARGUMENT, code(() -> Connection.await(service.call("lock"), WAIT, "lock")));
    for (String path : List.of("relative", "/a/", "/a//b", "/a/../b", "/a/./b", "", "/nul\0")) {
      assertEquals(unicorn(6), code(() -> c.get(path)), path);
      assertEquals(unicorn(6), code(() -> c.create(path, 1)), path);
      assertEquals(unicorn(6), code(() -> c.subscribe(path).nextValue(WAIT)), path);
    }
    assertEquals(ErrorCode.TOO_BIG, code(() -> c.create("/big", new byte[300 * 1024])));
    assertEquals(ErrorCode.TOO_BIG, code(() -> c.namedLock("/locks/big", new byte[300 * 1024], WAIT)));
    assertEquals(-1, c.get("/big").version());
    // arguments beyond the declared ones are ignored, as the original's decoder ignores them
    assertEquals(-1, Values.asLong(Connection.await(service.call("get", "/a", "extra"), WAIT, "get")
        .get(0).asArrayValue().get(1)));
    assertTrue(c.create("/after", "ok"));
  }

  @Test
  void aValueThatIsNotMsgpackIsRefusedAsInvalidValue() throws Exception {
    znodes.client().create().creatingParentsIfNeeded().forPath(znodes.prefix().znode("/raw"),
        "not msgpack \u00c1".getBytes(StandardCharsets.ISO_8859_1));
    assertEquals(unicorn(3), code(() -> {
      try {
        client().get("/raw");
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }));
  }

  @Test
  void withATokenWritesAndPrivateReadsNeedIt() throws Exception {
    stop();
    closing.clear();
    start(AccessToken.of(TOKEN, java.util.Set.of()));
    UnicornClient anonymous = client();
    UnicornClient wrong = client("not-it");
    UnicornClient trusted = client(TOKEN);
    assertEquals(ErrorCode.TOKEN_NOT_FOUND, code(() -> anonymous.create("/a", 1)));
    assertEquals(ErrorCode.UNAUTHORIZED, code(() -> wrong.put("/a", 1, 0)));
    assertEquals(ErrorCode.TOKEN_NOT_FOUND, code(() -> anonymous.lock("/l", WAIT)));
    assertEquals(ErrorCode.TOKEN_NOT_FOUND, code(() -> anonymous.increment("/n", 1)));
    assertEquals(ErrorCode.TOKEN_NOT_FOUND, code(() -> anonymous.remove("/a", -1)));
    assertTrue(trusted.create("/a", 1));
    assertTrue(trusted.create("/secret/key", "s3cr3t"));
    assertEquals(Values.integer(1), anonymous.get("/a").value());
    assertEquals(ErrorCode.TOKEN_NOT_FOUND, code(() -> anonymous.get("/secret/key")));
    assertEquals(ErrorCode.TOKEN_NOT_FOUND, code(() -> anonymous.subscribe("/secret").nextValue(WAIT)));
    assertEquals(ErrorCode.TOKEN_NOT_FOUND, code(() -> anonymous.subscribeChildren("/secret").nextChildren(WAIT)));
    assertEquals(Values.str("s3cr3t"), trusted.get("/secret/key").value());
    // "/secretive" is not under "/secret"
    assertEquals(-1, anonymous.get("/secretive").version());
  }

  @Test
  void anUnreachableZookeeperIsAClearErrorWithinTheConnectionTimeoutNotAHang() throws Exception {
    int dead;
    try (ServerSocket s = new ServerSocket(0)) {
      dead = s.getLocalPort();
    }
    try (Znodes unreachable = Znodes.open(new UnicornSettings(true, "127.0.0.1:" + dead, "/unicorn-dead",
        Duration.ofSeconds(10), Duration.ofSeconds(1), 1024, BUFFER, List.of()))) {
      long start = System.nanoTime();
      CompletableFuture<?> get = unreachable.get("/x").toCompletableFuture();
      java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
          () -> get.get(20, TimeUnit.SECONDS));
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      CocaineException cause = (CocaineException) (e.getCause() instanceof java.util.concurrent.CompletionException
          ? e.getCause().getCause() : e.getCause());
      assertEquals(unicorn(10), cause.code(), cause.getMessage());
      assertTrue(cause.getMessage().contains("ZooKeeper cannot be reached"), cause.getMessage());
      assertTrue(millis < 10_000, "failed after " + millis + " ms");
    }
  }

  @Test
  void rawFramesSpeakTheOriginalsWire() throws Exception {
    WireClient w = raw(0);
    long get = w.open(Message.of(UnicornService.GET, Values.str("/wire")));
    Frame reply = w.reply(get);
    assertEquals(Graph.VALUE, reply.type());
    assertEquals(List.of(Values.array(Values.nil(), Values.integer(-1))), reply.message().args());
    w.send(get, Message.of(0));
    long create = w.open(Message.of(UnicornService.CREATE, Values.str("/wire"), Values.integer(42)));
    assertEquals(List.of(Values.bool(true)), w.reply(create).message().args());
    w.send(create, Message.of(0));
    long put = w.open(Message.of(UnicornService.PUT, Values.str("/wire"), Values.integer(43), Values.integer(0)));
    assertEquals(List.of(Values.bool(true), Values.array(Values.integer(43), Values.integer(1))),
        w.reply(put).message().args());
    w.send(put, Message.of(0));
    long del = w.open(Message.of(UnicornService.DEL, Values.str("/wire"), Values.integer(0)));
    Frame refused = w.reply(del);
    assertEquals(Graph.ERROR, refused.type());
    assertEquals(Values.array(Values.integer(11), Values.integer(7)), refused.message().args().get(0));
    w.send(del, Message.of(0));
    long unknown = w.open(Message.of(10, Values.str("/wire")));
    assertEquals(Values.array(Values.integer(7), Values.integer(5)), w.reply(unknown).message().args().get(0));
    long sub = w.open(Message.of(UnicornService.SUBSCRIBE, Values.str("/wire")));
    Frame first = w.next(sub);
    assertEquals(Graph.WRITE, first.type());
    assertEquals(List.of(Values.array(Values.integer(43), Values.integer(1))), first.message().args());
    w.send(sub, Message.of(0));
    assertEquals(Graph.CLOSE, w.next(sub).type());
  }

  @Test
  void aSubscriberThatStopsReadingIsDroppedWithANamedErrorAfterItsUpdatesInOrder() throws Exception {
    UnicornClient c = client();
    c.create("/flood", 0);
    WireClient slow = raw(4096);
    long sub = slow.open(Message.of(UnicornService.SUBSCRIBE, Values.str("/flood")));
    await().atMost(WAIT).until(() -> open().subscriptions() == 1);
    byte[] chunk = new byte[64 * 1024];
    AtomicInteger version = new AtomicInteger();
    // every put is seen by the watch; the updates pile up in the socket, the channel and then the queue
    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(1)).until(() -> {
      c.put("/flood", chunk, version.getAndIncrement());
      return open().subscriptions() == 0;
    });
    List<Frame> frames = slow.all(sub);
    Frame last = frames.get(frames.size() - 1);
    assertEquals(Graph.ERROR, last.type(), "the subscription ended with " + last);
    assertEquals(Values.array(Values.integer(12), Values.integer(105)), last.message().args().get(0));
    assertTrue(Values.asString(last.message().args().get(1)).contains("too slow"), last.toString());
    long previous = -1;
    for (Frame f : frames.subList(0, frames.size() - 1)) {
      long v = f.message().args().get(0).asArrayValue().get(1).asIntegerValue().toLong();
      assertTrue(v > previous, "version " + v + " after " + previous);
      previous = v;
    }
    assertTrue(frames.size() > BUFFER, frames.size() + " frames");
    // the service goes on for the others
    assertEquals(version.get(), c.get("/flood").version());
  }
}
