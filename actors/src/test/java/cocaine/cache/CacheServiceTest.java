package cocaine.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.client.ServiceClient;
import cocaine.rpc.service.Served;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.Message;
import cocaine.wire.Values;
import cocaine.wire.WireClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.msgpack.value.Value;

/** The cache service over the real transport: the Java client, raw frames, the LRU budget, refused input. */
@ExtendWith(TestKitJUnit5Extension.class)
class CacheServiceTest {
  /** Room for three entries of a one-byte key and a ten-byte value. */
  static final long BUDGET = 3 * Cache.cost("a", 10);

  @JUnit5TestKit ActorTestKit kit = new JUnit5TestKitBuilder().build();
  ActorRef<Cache.Command> cache;
  Served served;
  ServiceClient client;

  @BeforeEach
  void start() throws Exception {
    cache = kit.spawn(Cache.create(BUDGET));
    served = Served.bind(kit.system(), new CacheService(kit.system(), cache, Duration.ofSeconds(5)));
    client = served.client();
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    served.close();
  }

  List<Value> call(String method, Object... args) throws Exception {
    return client.call(method, args).get(10, TimeUnit.SECONDS);
  }

  ErrorCode refused(String method, Object... args) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> client.call(method, args).get(10, TimeUnit.SECONDS));
    return ((CocaineException) e.getCause()).code();
  }

  @Test
  void putThenGetAnswersExistsAndTheValueAndAMissingKeyIsNotThere() throws Exception {
    assertEquals(List.of(), call("put", "k", "0123456789"));
    assertEquals(List.of(Values.bool(true), Values.str("0123456789")), call("get", "k"));
    assertEquals(List.of(Values.bool(false), Values.str("")), call("get", "missing"));
  }

  @Test
  void theLeastRecentlyUsedEntryGoesFirstWhenTheBytesRunOut() throws Exception {
    call("put", "a", "0123456789");
    call("put", "b", "0123456789");
    call("put", "c", "0123456789");
    call("get", "a"); // a is now the most recently used, b the least
    call("put", "d", "0123456789");
    assertEquals(Values.bool(false), call("get", "b").get(0));
    assertEquals(Values.bool(true), call("get", "a").get(0));
    assertEquals(Values.bool(true), call("get", "c").get(0));
    assertEquals(Values.bool(true), call("get", "d").get(0));
    var usage = kit.<Cache.Usage>createTestProbe();
    cache.tell(new Cache.GetUsage(usage.ref()));
    Cache.Usage u = usage.receiveMessage();
    assertEquals(3, u.entries());
    assertTrue(u.bytes() <= BUDGET, u.toString());
  }

  @Test
  void aValueBiggerThanTheWholeBudgetIsRefusedAndTheCacheServesOn() throws Exception {
    call("put", "a", "0123456789");
    assertEquals(ErrorCode.TOO_BIG, refused("put", "huge", "x".repeat((int) BUDGET)));
    assertEquals(Values.bool(true), call("get", "a").get(0), "nothing was evicted for the refused value");
  }

  @Test
  void wrongTypesAndMissingArgumentsAreRefusedAndExtrasIgnored() throws Exception {
    assertEquals(ErrorCode.INVALID_ARGUMENT, refused("get", 42));
    assertEquals(ErrorCode.INVALID_ARGUMENT, refused("get"));
    assertEquals(ErrorCode.INVALID_ARGUMENT, refused("put", "k"));
    assertEquals(ErrorCode.INVALID_ARGUMENT, refused("put", "k", List.of("not", "a", "string")));
    // the original's tuple decoder ignores arguments beyond the declared ones
    assertEquals(List.of(), call("put", "k", "v", "extra", 1));
    assertEquals(List.of(Values.bool(true), Values.str("v")), call("get", "k", "extra"));
  }

  @Test
  void rawFramesGetTheSameAnswers() throws Exception {
    try (WireClient raw = new WireClient(served.port())) {
      long put = raw.open(Message.of(CacheService.PUT, Values.str("k"), Values.str("v")));
      assertEquals(Message.value().on(put), raw.next(put));
      long get = raw.open(Message.of(CacheService.GET, Values.str("k")));
      assertEquals(Message.value(Values.bool(true), Values.str("v")).on(get), raw.next(get));
      long bad = raw.open(Message.of(CacheService.GET, Values.integer(1)));
      Frame refused = raw.next(bad);
      assertEquals(ErrorCode.INVALID_ARGUMENT, refused.message().toException().code(), refused.toString());
    }
  }
}
