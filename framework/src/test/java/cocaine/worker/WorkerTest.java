package cocaine.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.client.Locator;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Header;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WorkerTest {
  static final Duration WAIT = Duration.ofSeconds(10);

  FakeRuntime runtime;

  @BeforeEach
  void setUp() throws IOException {
    runtime = FakeRuntime.start();
  }

  @AfterEach
  void tearDown() throws IOException {
    runtime.close();
  }

  /** Runs the worker on its own thread; the future completes when run() returns. */
  static CompletableFuture<Worker.Exit> start(Worker worker) {
    CompletableFuture<Worker.Exit> exit = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        exit.complete(worker.run());
      } catch (Throwable e) {
        exit.completeExceptionally(e);
      }
    }, "worker-under-test");
    t.setDaemon(true);
    t.start();
    return exit;
  }

  static void echo(Request req, Response resp) {
    byte[] chunk;
    while ((chunk = req.read()) != null) {
      resp.write(chunk);
    }
    resp.close();
  }

  Worker echoWorker() {
    return Worker.create(runtime.settings("echo", "u-1")).on("ping", WorkerTest::echo);
  }

  static void assertError(Frame f, long channel, ErrorCode code, String text) {
    assertEquals(channel, f.channel());
    assertEquals(1, f.type(), "expected an error, got " + f);
    assertEquals(code, f.message().toException().code());
    assertEquals(text, f.message().toException().getMessage());
  }

  @Test
  void sendsHandshakeThenHeartbeatThenHeartbeatsPeriodically() throws Exception {
    start(echoWorker());
    Frame handshake = runtime.nextControl(WAIT);
    assertEquals(List.of(Values.str("u-1")), handshake.args());
    assertEquals(0, handshake.type());
    Frame first = runtime.nextControl(WAIT);
    assertEquals(0, first.type());
    assertTrue(first.args().isEmpty());
    Frame periodic = runtime.nextControl(WAIT);
    assertEquals(0, periodic.type());
    assertTrue(periodic.args().isEmpty());
  }

  @Test
  void invokeWriteCloseIsEchoedAndClosed() throws Exception {
    start(echoWorker());
    runtime.invoke(2, "ping");
    runtime.write(2, "hello-worker");
    runtime.write(2, "again");
    runtime.close(2);
    List<Frame> replies = runtime.replies(2, WAIT);
    assertEquals(List.of("hello-worker", "again"), FakeRuntime.texts(replies));
    assertEquals(2, replies.get(replies.size() - 1).type());
  }

  @Test
  void unknownEventGetsNoHandlerError() throws Exception {
    start(echoWorker());
    runtime.invoke(2, "nosuch");
    assertError(runtime.next(WAIT), 2, ErrorCode.WORKER_NO_HANDLER, "there is no handler for event 'nosuch'");
    // the worker keeps serving
    runtime.invoke(3, "ping");
    runtime.write(3, "x");
    runtime.close(3);
    assertEquals(List.of("x"), FakeRuntime.texts(runtime.replies(3, WAIT)));
  }

  @Test
  void handlerExceptionBecomesUncaughtError() throws Exception {
    Worker worker = echoWorker().on("boom", (req, resp) -> {
      throw new IllegalStateException("boom");
    });
    start(worker);
    runtime.invoke(2, "boom");
    assertError(runtime.next(WAIT), 2, ErrorCode.WORKER_UNCAUGHT, "boom");
  }

  @Test
  void exceptionAfterCloseSendsNothingMore() throws Exception {
    Worker worker = echoWorker().on("late", (req, resp) -> {
      resp.write("done");
      resp.close();
      throw new IllegalStateException("after close");
    });
    start(worker);
    runtime.invoke(2, "late");
    List<Frame> replies = runtime.replies(2, WAIT);
    assertEquals(List.of("done"), FakeRuntime.texts(replies));
    assertEquals(2, replies.get(1).type());
    runtime.invoke(3, "ping");
    runtime.close(3);
    assertEquals(3, runtime.next(WAIT).channel(), "no stray frame on channel 2 after its close");
  }

  @Test
  void chunkHandlerEchoesOnTheReaderThreadAndIsClosedForIt() throws Exception {
    java.util.Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
    start(Worker.create(runtime.settings("echo", "u-1")).onChunks("ping", (chunk, resp) -> {
      threads.add(Thread.currentThread().getName());
      resp.write(chunk);
    }));
    for (long ch = 2; ch < 6; ch++) {
      runtime.invoke(ch, "ping");
      runtime.write(ch, "a" + ch);
      runtime.write(ch, "b" + ch);
      runtime.close(ch);
    }
    for (long ch = 2; ch < 6; ch++) {
      List<Frame> replies = runtime.replies(ch, WAIT);
      assertEquals(List.of("a" + ch, "b" + ch), FakeRuntime.texts(replies));
      assertEquals(2, replies.get(replies.size() - 1).type(), "end() closes the response");
    }
    assertEquals(1, threads.size(), "one thread served them all: " + threads);
    assertTrue(threads.iterator().next().startsWith("cocaine-worker-reader"), threads.toString());
  }

  @Test
  void chunkHandlerExceptionBecomesUncaughtErrorAndLaterChunksAreDropped() throws Exception {
    start(Worker.create(runtime.settings("echo", "u-1"))
        .onChunks("boom", (chunk, resp) -> {
          throw new IllegalStateException("bad chunk " + new String(chunk, java.nio.charset.StandardCharsets.UTF_8));
        })
        .onChunks("ping", (chunk, resp) -> resp.write(chunk)));
    runtime.invoke(2, "boom");
    runtime.write(2, "x");
    runtime.write(2, "y");
    runtime.close(2);
    assertError(runtime.next(WAIT), 2, ErrorCode.WORKER_UNCAUGHT, "bad chunk x");
    runtime.invoke(3, "ping");
    runtime.write(3, "still here");
    runtime.close(3);
    Frame next = runtime.next(WAIT);
    assertEquals(3, next.channel(), "nothing more on channel 2 after its error: " + next);
  }

  @Test
  void handlerThatReturnsWithoutClosingIsClosedForIt() throws Exception {
    start(echoWorker().on("forgetful", (req, resp) -> resp.write("x")));
    runtime.invoke(2, "forgetful");
    List<Frame> replies = runtime.replies(2, WAIT);
    assertEquals(List.of("x"), FakeRuntime.texts(replies));
    assertEquals(2, replies.get(1).type());
  }

  @Test
  void handlerSeesInvokeHeaders() throws Exception {
    start(echoWorker().on("trace", (req, resp) ->
        resp.write(Long.toString(req.header(Header.TRACE_ID).flatMap(Header::asLong).orElse(-1L)))));
    runtime.invoke(2, "trace", Header.ofLong(Header.TRACE_ID, 4242), Header.ofLong(Header.SPAN_ID, 1));
    assertEquals(List.of("4242"), FakeRuntime.texts(runtime.replies(2, WAIT)));
  }

  @Test
  void runtimeErrorOnRequestIsThrownFromRead() throws Exception {
    start(echoWorker().on("reader", (req, resp) -> {
      try {
        req.read();
        resp.write("no error");
      } catch (cocaine.wire.CocaineException e) {
        resp.write(e.code() + " " + e.getMessage());
      }
    }));
    runtime.invoke(2, "reader");
    runtime.send(2, Message.error(ErrorCode.TIMEOUT, "invocation has timed out"));
    assertEquals(List.of("[20991, 3] invocation has timed out"), FakeRuntime.texts(runtime.replies(2, WAIT)));
  }

  @Test
  void terminateIsEchoedAndRunReturns() throws Exception {
    CompletableFuture<Worker.Exit> exit = start(echoWorker());
    runtime.nextControl(WAIT); // handshake
    runtime.send(1, Message.of(1, Values.integer(13), Values.str("slave is idle")));
    Frame echo;
    do {
      echo = runtime.nextControl(WAIT);
    } while (echo.type() == 0);
    assertEquals(1, echo.type());
    assertEquals(List.of(Values.integer(13), Values.str("slave is idle")), echo.args());
    Worker.Exit result = exit.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertEquals(Worker.Exit.Reason.TERMINATED, result.reason());
    assertEquals(13, result.code());
    assertEquals(0, result.status());
    runtime.disconnected().get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  @Test
  void unansweredHeartbeatDisownsTheWorker() throws Exception {
    runtime.answerHeartbeats(false);
    CompletableFuture<Worker.Exit> exit = start(echoWorker());
    Worker.Exit result = exit.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertEquals(Worker.Exit.Reason.DISOWNED, result.reason());
    assertEquals(1, result.status());
    runtime.disconnected().get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  @Test
  void longFrameStillArrivingIsNoSilence() throws Exception {
    runtime.answerHeartbeats(false);
    CompletableFuture<Worker.Exit> exit = start(echoWorker());
    runtime.invoke(2, "ping");
    byte[] frame = FrameEncoder.encode(Message.of(0, Values.bytes(new byte[64 * 1024])).on(2));
    // one body frame trickles in over several disown periods (400 ms each), its heartbeat replies withheld
    int before = runtime.heartbeats();
    int piece = frame.length / 10;
    for (int at = 0; at < frame.length; at += piece) {
      runtime.sendBytes(Arrays.copyOfRange(frame, at, Math.min(frame.length, at + piece)));
      // a piece per heartbeat (200 ms): slower than one disown period would allow without the bytes counting
      int seen = runtime.heartbeats();
      await().atMost(WAIT).until(() -> runtime.heartbeats() > seen || exit.isDone());
      assertFalse(exit.isDone(), "worker disowned a runtime that was sending: " + exit);
    }
    assertTrue(runtime.heartbeats() >= before + 2, "the trickle must outlast several heartbeats");
    // the runtime then goes silent: disowned as before
    assertEquals(Worker.Exit.Reason.DISOWNED, exit.get(WAIT.toSeconds(), TimeUnit.SECONDS).reason());
  }

  @Test
  void answeredHeartbeatsKeepTheWorkerAlive() throws Exception {
    CompletableFuture<Worker.Exit> exit = start(echoWorker());
    // many disown periods (400 ms each) pass while heartbeats are answered
    await().atMost(WAIT).until(() -> runtime.heartbeats() >= 8);
    assertFalse(exit.isDone(), "worker exited although every heartbeat was answered: " + exit);
  }

  @Test
  void runtimeGoingAwayEndsRun() throws Exception {
    CompletableFuture<Worker.Exit> exit = start(echoWorker());
    runtime.nextControl(WAIT);
    runtime.dropConnection();
    assertEquals(Worker.Exit.Reason.DISCONNECTED, exit.get(WAIT.toSeconds(), TimeUnit.SECONDS).reason());
  }

  @Test
  void handlerThatIgnoresItsBodyDoesNotStallOtherChannels() throws Exception {
    Worker worker = Worker.create(runtime.settings("echo", "u-1").withRequestBuffer(2))
        .on("ping", WorkerTest::echo)
        .on("ignore", (req, resp) -> resp.write("ignored"));
    start(worker);
    runtime.invoke(2, "ignore");
    for (int i = 0; i < 50; i++) {
      runtime.write(2, "chunk " + i);
    }
    runtime.invoke(3, "ping");
    runtime.write(3, "still served");
    runtime.close(3);
    assertEquals(List.of("still served"), FakeRuntime.texts(runtime.replies(3, WAIT)));
    assertEquals(List.of("ignored"), FakeRuntime.texts(runtime.replies(2, WAIT)));
  }

  @Test
  void slowReaderGetsEveryChunkInOrderThroughASmallBuffer() throws Exception {
    CountDownLatch go = new CountDownLatch(1);
    Worker worker = Worker.create(runtime.settings("echo", "u-1").withRequestBuffer(2))
        .on("slow", (req, resp) -> {
          go.await();
          echo(req, resp);
        });
    start(worker);
    runtime.invoke(2, "slow");
    for (int i = 0; i < 20; i++) {
      runtime.write(2, "c" + i);
    }
    runtime.close(2);
    go.countDown();
    List<String> got = FakeRuntime.texts(runtime.replies(2, WAIT));
    assertEquals(20, got.size());
    for (int i = 0; i < 20; i++) {
      assertEquals("c" + i, got.get(i));
    }
  }

  @Test
  void readerPausedBySlowHandlerDoesNotDisown() throws Exception {
    CountDownLatch go = new CountDownLatch(1);
    Worker worker = Worker.create(runtime.settings("echo", "u-1").withRequestBuffer(1))
        .on("hold", (req, resp) -> {
          go.await();
          echo(req, resp);
        });
    CompletableFuture<Worker.Exit> exit = start(worker);
    runtime.invoke(2, "hold");
    for (int i = 0; i < 5; i++) {
      runtime.write(2, "c" + i);
    }
    int before = runtime.heartbeats();
    // several disown periods pass while heartbeat replies wait unread behind the full buffer
    await().atMost(WAIT).until(() -> runtime.heartbeats() >= before + 6);
    assertFalse(exit.isDone(), "worker exited while its reader was paused by a slow handler: " + exit);
    runtime.close(2);
    go.countDown();
    assertEquals(List.of("c0", "c1", "c2", "c3", "c4"), FakeRuntime.texts(runtime.replies(2, WAIT)));
    assertFalse(exit.isDone());
  }

  @Test
  void busyWorkerRefusesWithQueueIsFull() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    Worker worker = Worker.create(runtime.settings("echo", "u-1").withHandlers(1, 1))
        .on("hold", (req, resp) -> release.await());
    start(worker);
    runtime.invoke(2, "hold");
    runtime.invoke(3, "hold");
    runtime.invoke(4, "hold");
    Frame refused = runtime.next(WAIT);
    assertEquals(4, refused.channel());
    assertEquals(ErrorCode.QUEUE_IS_FULL, refused.message().toException().code());
    release.countDown();
  }

  @Test
  void newChannelThatIsNotInvokeIsRefused() throws Exception {
    start(echoWorker());
    runtime.write(2, "not an invoke");
    Frame f = runtime.next(WAIT);
    assertEquals(2, f.channel());
    assertEquals(1, f.type());
    assertEquals(42, f.message().toException().code().category());
  }

  @Test
  void argvIsParsedInAnyOrder() {
    Worker.Settings s = Worker.Settings.fromArgs(new String[] {
        "--uuid", "u-9", "--protocol", "1", "--locator", "[::1]:10053,127.0.0.1:10054", "--app", "echo",
        "--endpoint", "/run/cocaine/echo.1"});
    assertEquals("echo", s.app());
    assertEquals("/run/cocaine/echo.1", s.endpoint());
    assertEquals("u-9", s.uuid());
    assertEquals(List.of(new Locator.Endpoint("::1", 10053), new Locator.Endpoint("127.0.0.1", 10054)), s.locators());
  }

  @Test
  void argvWithoutProtocolOneIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Worker.Settings.fromArgs(
        new String[] {"--app", "a", "--endpoint", "/s", "--uuid", "u", "--protocol", "0"}));
    assertTrue(e.getMessage().contains("--protocol 1"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Worker.Settings.fromArgs(
        new String[] {"--app", "a", "--endpoint", "/s", "--uuid", "u"}));
  }

  @Test
  void argvWithoutUuidIsRefusedWithUsage() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Worker.Settings.fromArgs(
        new String[] {"--app", "a", "--endpoint", "/s", "--protocol", "1"}));
    assertTrue(e.getMessage().contains("--uuid"), e.getMessage());
  }

  @Test
  void unreachableSocketFailsRunWithThePath() {
    Worker worker = Worker.create(Worker.Settings.of("a", "/nonexistent/socket", List.of(), "u"));
    IOException e = assertThrows(IOException.class, worker::run);
    assertTrue(e.getMessage().contains("/nonexistent/socket"), e.getMessage());
  }

}
