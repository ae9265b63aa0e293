package cocaine.proxy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.ResponseEntity;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class ResponseBodyTest {
  static final ActorTestKit kit = ActorTestKit.create();
  static final Materializer mat = Materializer.matFromSystem(kit.system());
  static final int BIG = 1 << 20;

  static final Deadlines deadlines = new Deadlines(kit.system().scheduler(), kit.system().executionContext());

  @AfterAll
  static void stop() {
    deadlines.close();
    kit.shutdownTestKit();
  }

  private static Call call(Duration timeout) {
    return new Call(HttpRequest.create("/app/event"), new Route("app", "event", "/", false), new Trace(1, 1, 0),
        System.nanoTime(), new Timeouts.Timeout(timeout, false), false);
  }

  private static ByteString bytes(int n) {
    return ByteString.fromArrayUnsafe(new byte[n]);
  }

  private static ByteString written(ResponseEntity entity) throws Exception {
    return entity.getDataBytes().runWith(Sink.fold(ByteString.emptyByteString(), ByteString::concat), mat)
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aSmallAnswerIsStrictAndNotCounted() {
    BodyBudget budget = new BodyBudget(4L * BIG);
    ResponseEntity e = new ResponseBody(budget, deadlines).entity(call(Duration.ofSeconds(5)), ContentTypes.TEXT_PLAIN_UTF8,
        bytes(ResponseBody.STRICT_BYTES));
    assertInstanceOf(HttpEntity.Strict.class, e);
    assertEquals(0, budget.held());
  }

  @Test
  void aBigAnswerIsHeldUntilWrittenWhole() throws Exception {
    BodyBudget budget = new BodyBudget(4L * BIG);
    ResponseEntity e = new ResponseBody(budget, deadlines).entity(call(Duration.ofSeconds(30)), ContentTypes.TEXT_PLAIN_UTF8,
        bytes(BIG).concat(bytes(BIG)));
    assertEquals(2L * BIG, budget.held());
    assertEquals(2L * BIG, e.getContentLengthOption().getAsLong());
    assertEquals(2 * BIG, written(e).size());
    await("given back once written").atMost(Duration.ofSeconds(5)).until(() -> budget.held() == 0);
  }

  @Test
  void aBigAnswerWithNoRoomIs503WithRetryAfterNamingTheBudget() {
    BodyBudget budget = new BodyBudget(4L * BIG);
    assertTrue(budget.tryTake(4L * BIG));
    ProxyError e = assertThrows(ProxyError.class, () -> new ResponseBody(budget, deadlines)
        .entity(call(Duration.ofSeconds(5)), ContentTypes.TEXT_PLAIN_UTF8, bytes(BIG)));
    assertEquals(503, e.status());
    assertTrue(e.getMessage().contains("cocaine.proxy.body-budget") && e.getMessage().contains("app 'app'"),
        e.getMessage());
    assertEquals("1", e.toResponse("id", "app").getHeader("Retry-After").get().value());
    assertEquals(4L * BIG, budget.held(), "a refusal takes nothing");
  }

  @Test
  void theRequestsOwnBodyIsGivenBackBeforeItsEchoIsTaken() throws Exception {
    BodyBudget budget = new BodyBudget(4L * BIG);
    Call call = call(Duration.ofSeconds(30));
    assertTrue(budget.tryTake(4L * BIG));
    call.bodyHeld().set(4L * BIG); // the request's body: the whole budget
    ResponseEntity e = new ResponseBody(budget, deadlines).entity(call, ContentTypes.TEXT_PLAIN_UTF8, bytes(4 * BIG));
    assertEquals(4L * BIG, budget.held());
    assertEquals(0, call.bodyHeld().get());
    written(e);
    await("given back once written").atMost(Duration.ofSeconds(5)).until(() -> budget.held() == 0);
  }

  @Test
  void aBigAnswerNeverWrittenIsGivenBackAfterTheAppsTimeout() {
    BodyBudget budget = new BodyBudget(4L * BIG);
    new ResponseBody(budget, deadlines).entity(call(Duration.ofMillis(200)), ContentTypes.TEXT_PLAIN_UTF8, bytes(BIG));
    assertEquals(BIG, budget.held());
    await("given back after the timeout").atMost(Duration.ofSeconds(5)).until(() -> budget.held() == 0);
  }
}
