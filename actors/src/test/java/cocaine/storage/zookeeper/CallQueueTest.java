package cocaine.storage.zookeeper;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The zookeeper backend's calls without ZooKeeper: the queue limit, the call timeout, the one probe. */
class CallQueueTest {
  static final String CONNECT = "zk-1:2181";
  static final Duration LONG = Duration.ofSeconds(30);

  CallQueue calls;
  final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void close() {
    release.countDown();
    if (calls != null) {
      calls.close();
    }
  }

  static <T> T value(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static CocaineException failure(CompletionStage<?> stage) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> value(stage));
    return assertInstanceOf(CocaineException.class, e.getCause());
  }

  /** An operation that says it started, then blocks until the test ends. */
  CallQueue.Operation<String> blocking(CountDownLatch started) {
    return () -> {
      started.countDown();
      release.await();
      return "released";
    };
  }

  @Test
  void aCallsResultAndItsOwnErrorAreAnsweredAsTheyAre() throws Exception {
    calls = new CallQueue(CONNECT, 1, 4, LONG, () -> true);
    assertEquals("v", value(calls.submit("read", "c", "k", () -> "v")));
    CocaineException own = new CocaineException(ErrorCode.NOT_FOUND, "c/k: no such object");
    assertSame(own, failure(calls.submit("read", "c", "k", () -> {
      throw own;
    })));
    CocaineException other = failure(calls.submit("find", "c", "t1,t2", () -> {
      throw new IOException("disk on fire");
    }));
    assertEquals(ErrorCode.IO_ERROR, other.code());
    assertEquals("storage: find of c/t1,t2 failed in ZooKeeper at zk-1:2181: java.io.IOException: disk on fire",
        other.getMessage());
  }

  @Test
  void aCallPastTheQueueLimitIsRefusedAtOnceAsBusy() throws Exception {
    calls = new CallQueue(CONNECT, 1, 1, LONG, () -> true);
    CountDownLatch started = new CountDownLatch(1);
    CompletionStage<String> running = calls.submit("read", "c", "a", blocking(started));
    assertTrue(started.await(30, TimeUnit.SECONDS));
    CompletionStage<String> queued = calls.submit("read", "c", "b", () -> "b");
    CocaineException busy = failure(calls.submit("read", "c", "c", () -> "c"));
    assertEquals(ErrorCode.TRY_AGAIN, busy.code());
    assertEquals("storage (ZooKeeper at zk-1:2181) is busy: 1 operations waiting (queue-limit 1)", busy.getMessage());
    release.countDown();
    assertEquals("released", value(running));
    assertEquals("b", value(queued), "the queued call still runs");
  }

  @Test
  void aCallAfterCloseFailsAsClosedInsteadOfThrowing() throws Exception {
    calls = new CallQueue(CONNECT, 1, 4, LONG, () -> true);
    calls.close();
    CocaineException closed = failure(calls.submit("write", "c", "k", () -> "never"));
    assertEquals(ErrorCode.NOT_CONNECTED, closed.code());
    assertEquals("storage (ZooKeeper at zk-1:2181) is closed: the write of c/k was not done", closed.getMessage());
  }

  @Test
  void aCallOfManyRoundTripsGetsTheTimeoutPerRoundTripNotForAll() throws Exception {
    calls = new CallQueue(CONNECT, 1, 4, Duration.ofMillis(300), () -> true);
    // six round trips of 100 ms (a chunked value): twice the timeout in all, each well inside it
    CompletionStage<String> chunked = calls.submit("write", "c", "big", (CallQueue.Steps<String>) progress -> {
      for (int i = 0; i < 6; i++) {
        LockSupport.parkNanos(Duration.ofMillis(100).toNanos()); // a slow round trip, not a wait for the test
        progress.run();
      }
      return "written";
    });
    assertEquals("written", value(chunked));
    CompletionStage<String> stalled = calls.submit("write", "c", "stalled", (CallQueue.Steps<String>) progress -> {
      progress.run();
      release.await(); // a round trip that never ends
      return "late";
    });
    assertEquals(ErrorCode.IO_ERROR, failure(stalled).code(), "a round trip that never ends still times out");
  }

  @Test
  void aCallStillWaitingAtTheTimeoutFailsAsUnreachableAndNeverRuns() throws Exception {
    calls = new CallQueue(CONNECT, 1, 4, Duration.ofMillis(200), () -> true);
    CountDownLatch started = new CountDownLatch(1);
    CompletionStage<String> stuck = calls.submit("read", "c", "a", blocking(started));
    AtomicBoolean ran = new AtomicBoolean();
    CompletionStage<String> queued = calls.submit("write", "c", "b", () -> {
      ran.set(true);
      return "b";
    });
    CocaineException late = failure(queued);
    assertEquals(ErrorCode.IO_ERROR, late.code());
    assertEquals("storage unavailable: ZooKeeper at zk-1:2181 cannot be reached (OperationTimeoutException); the write"
        + " of c/b may or may not have been applied; retry once ZooKeeper is back", late.getMessage());
    assertTrue(failure(stuck).getMessage().contains("the read of c/a was not done"), "the running call too");
    release.countDown();
    calls.close(); // waits for the queued task to be taken and dropped
    assertFalse(ran.get(), "a call that expired before it started never runs");
  }

  @Test
  void whileDisconnectedOneCallWaitsForTheConnectionAndTheOthersFailAtOnce() throws Exception {
    calls = new CallQueue(CONNECT, 2, 4, LONG, () -> false);
    CountDownLatch started = new CountDownLatch(1);
    CompletionStage<String> probe = calls.submit("read", "c", "a", blocking(started));
    assertTrue(started.await(30, TimeUnit.SECONDS));
    CocaineException lost = failure(calls.submit("remove", "c", "b", () -> "b"));
    assertEquals(ErrorCode.IO_ERROR, lost.code());
    assertTrue(lost.getMessage().contains("cannot be reached (ConnectionLossException)")
        && lost.getMessage().contains("the remove of c/b may or may not have been applied"), lost.getMessage());
    assertInstanceOf(KeeperException.ConnectionLossException.class, lost.getCause());
    release.countDown();
    assertEquals("released", value(probe));
    // the probe's flag drops just after its answer: once it has, the next call probes again
    await().atMost(LONG).ignoreExceptions().until(() -> value(calls.submit("read", "c", "d", () -> "next")).equals("next"));
  }
}
