package cocaine.node.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.model.Profile;
import cocaine.node.slot.Slot;
import cocaine.node.slot.SlotSettings;
import cocaine.node.slot.TestSession;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The engine's queue and pool policy with fake slots (probes that take the slot's place) and manual time. */
class EngineTest {
  static final ActorTestKit testKit = ActorTestKit.create(ManualTime.config().withFallback(ActorTestKit.applicationTestConfig()));
  static final ManualTime time = ManualTime.get(testKit.system());

  final TestProbe<FakeSlot> spawned = testKit.createTestProbe();
  final TestProbe<Told> told = testKit.createTestProbe();
  final TestProbe<Engine.ActiveWorkers> active = testKit.createTestProbe();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  /** A slot the engine spawned; the test speaks for it through {@code reports}. */
  record FakeSlot(String uuid, ActorRef<Slot.Report> reports) {
    void activated() {
      reports.tell(new Slot.Activated(uuid, 1));
    }
  }

  /** What the engine told a slot. */
  record Told(String uuid, Slot.Command command) {}

  private ActorRef<Engine.Command> engine(Object... profile) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("grow-threshold", 1);
    for (int i = 0; i + 1 < profile.length; i += 2) {
      p.put((String) profile[i], profile[i + 1]);
    }
    SlotSettings settings = new SlotSettings("app", Profile.fromMap(p), null, null, "127.0.0.1:10053", Map.of(), null);
    return testKit.spawn(Engine.create(settings, active.ref(), (uuid, reports) -> Behaviors.setup(ctx -> {
      spawned.ref().tell(new FakeSlot(uuid, reports));
      return Behaviors.receiveMessage(command -> {
        told.ref().tell(new Told(uuid, command));
        return command == Slot.Forget.INSTANCE ? Behaviors.stopped() : Behaviors.same();
      });
    })));
  }

  private TestSession enqueue(ActorRef<Engine.Command> engine, Duration timeout) {
    TestSession s = TestSession.open(testKit.system(), "ping", timeout);
    engine.tell(new Engine.Enqueue(s.session));
    return s;
  }

  private TestSession enqueue(ActorRef<Engine.Command> engine) {
    return enqueue(engine, Duration.ofHours(1));
  }

  /** The engine's info; as a reply it also means every message told before has been handled. */
  private Map<String, Object> describe(ActorRef<Engine.Command> engine) {
    TestProbe<Map<String, Object>> reply = testKit.createTestProbe();
    engine.tell(new Engine.Describe(reply.ref()));
    return reply.receiveMessage();
  }

  @SuppressWarnings("unchecked")
  private static Object at(Map<String, Object> map, String... path) {
    Object v = map;
    for (String key : path) {
      v = ((Map<String, Object>) v).get(key);
    }
    return v;
  }

  private static Map<?, ?> slaves(Map<String, Object> info) {
    return (Map<?, ?>) at(info, "pool", "slaves");
  }

  @Test
  void queuedEventsGrowThePoolUpToPoolLimitAndActiveWorkersTakeTheOldestFirst() {
    ActorRef<Engine.Command> engine = engine("pool-limit", 3, "concurrency", 1, "queue-limit", 10);
    TestSession[] sessions = new TestSession[5];
    for (int i = 0; i < sessions.length; i++) {
      sessions[i] = enqueue(engine);
    }

    Map<String, Object> info = describe(engine);
    assertEquals(3, slaves(info).size(), info.toString());
    assertEquals(3L, at(info, "pool", "total:spawned"));
    assertEquals(5, at(info, "queue", "depth"));
    for (int i = 0; i < 3; i++) {
      FakeSlot slot = spawned.receiveMessage();
      slot.activated();
      assertEquals(new Told(slot.uuid(), new Slot.Invoke(sessions[i].session)), told.receiveMessage());
    }
    assertEquals(2, at(describe(engine), "queue", "depth"));
  }

  @Test
  void aFullQueueRefusesAtOnceWithQueueIsFull() {
    ActorRef<Engine.Command> engine = engine("pool-limit", 1, "concurrency", 1, "queue-limit", 2);
    TestSession first = enqueue(engine);
    TestSession second = enqueue(engine);

    TestSession refused = enqueue(engine);

    CocaineException e = refused.error();
    assertEquals(ErrorCode.QUEUE_IS_FULL, e.code());
    assertEquals(new ErrorCode(0x52FF, 1), e.code());
    assertEquals("app 'app': queue is full (2 of queue-limit 2)", e.getMessage());
    Map<String, Object> info = describe(engine);
    assertEquals(2, at(info, "queue", "depth"));
    assertEquals(1L, at(info, "requests", "rejected"));
    assertEquals(2L, at(info, "requests", "accepted"));
    assertFalse(first.isFinished());
    assertFalse(second.isFinished());
  }

  @Test
  void anEventThatWaitsInTheQueuePastItsDeadlineIsRefusedWithDeadline() {
    ActorRef<Engine.Command> engine = engine("pool-limit", 1, "concurrency", 1, "queue-limit", 10);
    TestSession shortLived = enqueue(engine, Duration.ofSeconds(10));
    TestSession longLived = enqueue(engine);
    describe(engine); // both queued: their expiry timers run on manual time

    time.timePasses(Duration.ofSeconds(9));
    assertEquals(2, at(describe(engine), "queue", "depth"));
    assertFalse(shortLived.isFinished());

    time.timePasses(Duration.ofSeconds(1));

    CocaineException e = shortLived.error();
    assertEquals(ErrorCode.DEADLINE, e.code());
    assertEquals("app 'app': the event 'ping' has expired in the queue (request-timeout)", e.getMessage());
    assertEquals(1, at(describe(engine), "queue", "depth"));
    assertFalse(longLived.isFinished());
  }

  @Test
  void anIdleWorkerIsTerminatedAfterIdleTimeoutWithoutCountingAsACrash() {
    ActorRef<Engine.Command> engine = engine("pool-limit", 1, "concurrency", 1, "idle-timeout", 10);
    active.expectMessage(new Engine.ActiveWorkers(0));
    TestSession session = enqueue(engine);
    FakeSlot slot = spawned.receiveMessage();
    slot.activated();
    assertEquals(new Told(slot.uuid(), new Slot.Invoke(session.session)), told.receiveMessage());
    active.expectMessage(new Engine.ActiveWorkers(1));
    slot.reports().tell(new Slot.ChannelsFinished(slot.uuid(), 1));
    assertEquals(1L, at(describe(engine), "pool", "idle"));

    time.timePasses(Duration.ofSeconds(9));
    assertEquals("active", ((Map<?, ?>) slaves(describe(engine)).get(slot.uuid())).get("state"));

    time.timePasses(Duration.ofSeconds(1));

    assertEquals(new Told(slot.uuid(), new Slot.Terminate(ErrorCode.SLAVE_IDLE, "slave is idle")), told.receiveMessage());
    active.expectMessage(new Engine.ActiveWorkers(0));
    slot.reports().tell(new Slot.Died(slot.uuid(), new CocaineException(ErrorCode.SLAVE_IDLE, "terminated"), false, true));
    assertEquals(new Told(slot.uuid(), Slot.Forget.INSTANCE), told.receiveMessage());
    Map<String, Object> info = describe(engine);
    assertTrue(slaves(info).isEmpty(), info.toString());
    assertEquals(0L, at(info, "pool", "total:crashed"));
  }

  @Test
  void aSessionASlotGivesBackIsServedBeforeLaterOnes() {
    ActorRef<Engine.Command> engine = engine("pool-limit", 1, "concurrency", 1, "queue-limit", 10);
    TestSession given = enqueue(engine);
    FakeSlot slot = spawned.receiveMessage();
    slot.activated();
    assertEquals(new Told(slot.uuid(), new Slot.Invoke(given.session)), told.receiveMessage());
    TestSession later = enqueue(engine);

    slot.reports().tell(new Slot.Returned(slot.uuid(), given.session));

    assertEquals(new Told(slot.uuid(), new Slot.Invoke(given.session)), told.receiveMessage());
    assertEquals(1, at(describe(engine), "queue", "depth"));
    assertFalse(later.isFinished());
  }

  @Test
  void stopFailsQueuedEventsTerminatesEverySlotAndRepliesOnceTheyAreGone() {
    ActorRef<Engine.Command> engine = engine("pool-limit", 1, "concurrency", 1, "queue-limit", 10);
    TestSession served = enqueue(engine);
    TestSession queued = enqueue(engine);
    FakeSlot slot = spawned.receiveMessage();
    slot.activated();
    assertEquals(new Told(slot.uuid(), new Slot.Invoke(served.session)), told.receiveMessage());
    TestProbe<Done> done = testKit.createTestProbe();

    engine.tell(new Engine.Stop(done.ref()));

    CocaineException e = queued.error();
    assertEquals(ErrorCode.NOT_RUNNING, e.code());
    assertEquals("app 'app' is stopping", e.getMessage());
    assertEquals(new Told(slot.uuid(), new Slot.Terminate(ErrorCode.OVERSEER_SHUTDOWNING, "overseer is shutting down")),
        told.receiveMessage());
    assertEquals(ErrorCode.NOT_RUNNING, enqueue(engine).error().code(), "no new events while stopping");
    assertEquals("terminating", ((Map<?, ?>) slaves(describe(engine)).get(slot.uuid())).get("state"));
    done.expectNoMessage(Duration.ofMillis(100));
    assertFalse(served.isFinished(), "the slot ends the sessions it serves");

    slot.reports().tell(new Slot.Died(slot.uuid(), new CocaineException(ErrorCode.OVERSEER_SHUTDOWNING, "stopped"),
        false, true));

    // no check that the slot heard Forget: the engine stops at once, and its children with it
    done.expectMessage(Done.getInstance());
    done.expectTerminated(engine);
  }
}
