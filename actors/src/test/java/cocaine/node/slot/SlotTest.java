package cocaine.node.slot;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.model.Profile;
import cocaine.node.MemoryStorage;
import cocaine.node.isolate.FakeIsolate;
import cocaine.node.isolate.FakeIsolate.FakeWorker;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.Values;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.stream.KillSwitch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A slot's life with a fake isolate, a fake pipe in place of the worker's connection and manual
 * time: timeouts take no time. The app's worker pipe is bound, but no worker ever connects to it.
 */
class SlotTest {
  static final ActorTestKit testKit = ActorTestKit.create(ManualTime.config().withFallback(ActorTestKit.applicationTestConfig()));
  static final ManualTime time = ManualTime.get(testKit.system());
  static final Profile PROFILE = Profile.fromMap(Map.of("spawn-timeout", 10, "handshake-timeout", 5,
      "heartbeat-timeout", 3, "seal-timeout", 2, "terminate-timeout", 1, "concurrency", 4));
  static final Frame HEARTBEAT = new Frame(WorkerLink.CONTROL_CHANNEL, 0, List.of(), List.of());
  static Path dir;
  static WorkerListener workerPipe;

  final TestProbe<FakeWorker> spawned = testKit.createTestProbe();
  final TestProbe<Slot.Report> reports = testKit.createTestProbe();
  final TestProbe<Frame> controls = testKit.createTestProbe();
  final FakeIsolate isolate = new FakeIsolate(spawned.ref());
  final String uuid = java.util.UUID.randomUUID().toString();

  @BeforeAll
  static void bind() throws Exception {
    dir = Files.createTempDirectory(Path.of("/tmp"), "slot");
    workerPipe = WorkerListener.bind(testKit.system(), "app", dir.resolve("app.sock"), 1 << 20);
  }

  @AfterAll
  static void shutdown() throws Exception {
    workerPipe.close();
    testKit.shutdownTestKit();
    Files.deleteIfExists(dir.resolve("app.sock"));
    Files.deleteIfExists(dir);
  }

  /** A worker's pipe as its slot drives it: records what the slot sends, lets the test speak for the worker. */
  static final class FakePipe implements PipeStage.Handle, KillSwitch {
    private final ActorRef<Frame> controls;
    volatile PipeStage.Listener worker;
    final List<Frame> invokes = new CopyOnWriteArrayList<>();
    final List<Long> cut = new CopyOnWriteArrayList<>();
    volatile boolean closed;

    FakePipe(ActorRef<Frame> controls) {
      this.controls = controls;
    }

    WorkerConnection connection() {
      return new WorkerConnection(this, this);
    }

    @Override
    public void start(PipeStage.Listener listener) {
      this.worker = listener;
    }

    @Override
    public boolean control(Frame frame) {
      controls.tell(frame);
      return true;
    }

    @Override
    public boolean open(Frame invoke, Session session) {
      invokes.add(invoke);
      return true;
    }

    @Override
    public void cut(long channel, Optional<Frame> last) {
      cut.add(channel);
    }

    @Override
    public void shutdown() {
      closed = true;
    }

    @Override
    public void abort(Throwable ex) {
      closed = true;
    }
  }

  private ActorRef<Slot.Command> slot() {
    SlotSettings settings = new SlotSettings("app", PROFILE, isolate, workerPipe, "127.0.0.1:10053", Map.of(),
        new MemoryStorage());
    return testKit.spawn(Slot.create(settings, uuid, reports.ref()));
  }

  /** The slot's worker, once the slot waits for its handshake (it watches the exit after arming the timeout). */
  private FakeWorker handshaking() {
    FakeWorker worker = spawned.receiveMessage();
    await().until(() -> worker.exitWatches() > 0);
    return worker;
  }

  /** A slot whose worker shook hands over a fake pipe. */
  record Active(ActorRef<Slot.Command> slot, FakeWorker worker, FakePipe pipe) {
    TestSession invoke(String event) {
      TestSession session = TestSession.open(testKit.system(), event);
      slot.tell(new Slot.Invoke(session.session));
      return session;
    }
  }

  private Active active() {
    ActorRef<Slot.Command> slot = slot();
    FakeWorker worker = handshaking();
    FakePipe pipe = new FakePipe(controls.ref());
    slot.tell(new Slot.Connected(pipe.connection()));
    reports.expectMessage(new Slot.Activated(uuid, worker.pid()));
    settled(slot);
    return new Active(slot, worker, pipe);
  }

  /**
   * Returns once the slot has handled everything told before, timers that fired included: a second
   * connection with its uuid, which a slot with a pipe refuses at once.
   */
  private static void settled(ActorRef<Slot.Command> slot) {
    FakePipe late = new FakePipe(testKit.<Frame>createTestProbe().ref());
    slot.tell(new Slot.Connected(late.connection()));
    await().until(() -> late.closed);
  }

  private Slot.Died died() {
    return reports.expectMessageClass(Slot.Died.class);
  }

  private static Frame terminate(ErrorCode code, String reason) {
    return new Frame(WorkerLink.CONTROL_CHANNEL, 1, List.of(Values.fromJava((long) code.code()), Values.fromJava(reason)),
        List.of());
  }

  @Test
  void aWorkerThatNeverShakesHandsIsKilledAfterHandshakeTimeoutAndItsSlotGivesBackWhatItGetsUntilForgotten() {
    ActorRef<Slot.Command> slot = slot();
    FakeWorker worker = handshaking();
    assertEquals(uuid, worker.args().get("uuid"));
    assertEquals(workerPipe.path().toString(), worker.args().get("endpoint"));

    time.timePasses(Duration.ofMillis(4999));
    TestSession early = TestSession.open(testKit.system(), "ping");
    slot.tell(new Slot.Invoke(early.session));
    assertEquals(new Slot.Returned(uuid, early.session), reports.receiveMessage(), "still waiting for the handshake");
    assertEquals(0, worker.kills());

    time.timePasses(Duration.ofMillis(1));

    Slot.Died died = died();
    assertEquals(ErrorCode.ACTIVATE_TIMEOUT, died.cause().code());
    assertEquals("app 'app': worker " + uuid + " sent no handshake within handshake-timeout (5 s)",
        died.cause().getMessage());
    assertTrue(died.abnormal());
    assertFalse(died.activated());
    assertEquals(1, worker.kills());
    TestSession late = TestSession.open(testKit.system(), "ping");
    slot.tell(new Slot.Invoke(late.session));
    assertEquals(new Slot.Returned(uuid, late.session), reports.receiveMessage(), "a dead slot loses nothing");
    slot.tell(Slot.Forget.INSTANCE);
    reports.expectTerminated(slot);
  }

  @Test
  void eachHeartbeatIsAnsweredAndAWorkerSilentForHeartbeatTimeoutIsKilledFailingItsSessions() {
    Active a = active();
    ActorRef<Slot.Command> slot = a.slot();
    FakeWorker worker = a.worker();
    FakePipe pipe = a.pipe();
    TestSession session = a.invoke("hold");

    time.timePasses(Duration.ofSeconds(2));
    pipe.worker.control(HEARTBEAT);
    controls.expectMessage(HEARTBEAT);
    settled(slot);
    time.timePasses(Duration.ofMillis(2999));
    settled(slot);
    assertEquals(0, worker.kills(), "a heartbeat starts heartbeat-timeout again");
    assertFalse(session.isFinished());

    time.timePasses(Duration.ofMillis(1));

    Slot.Died died = died();
    assertEquals(ErrorCode.HEARTBEAT_TIMEOUT, died.cause().code());
    assertTrue(died.abnormal());
    assertTrue(died.activated());
    assertEquals(1, worker.kills());
    CocaineException e = session.error();
    assertEquals(ErrorCode.HEARTBEAT_TIMEOUT, e.code());
    assertEquals("app 'app': worker " + uuid + " sent no heartbeat within heartbeat-timeout (3 s) while handling"
        + " the request", e.getMessage());
    assertEquals(1, pipe.invokes.size());
    assertTrue(pipe.closed, "the dead worker's pipe is closed");
  }

  @Test
  void aPipeStalledByASlowClientSuspendsTheHeartbeatTimeoutUntilItReadsOn() {
    Active a = active();
    ActorRef<Slot.Command> slot = a.slot();
    FakeWorker worker = a.worker();

    a.pipe().worker.stalled(true);
    settled(slot);
    time.timePasses(Duration.ofSeconds(30));
    settled(slot);
    assertEquals(0, worker.kills(), "a slow client is not the worker's fault");

    a.pipe().worker.stalled(false);
    settled(slot);
    time.timePasses(Duration.ofMillis(2999));
    settled(slot);
    assertEquals(0, worker.kills());
    time.timePasses(Duration.ofMillis(1));

    assertEquals(ErrorCode.HEARTBEAT_TIMEOUT, died().cause().code());
    assertEquals(1, worker.kills());
  }

  @Test
  void aSealedWorkerIsAskedToExitWhenItsLastChannelEndsAndKilledAfterTerminateTimeout() {
    Active a = active();
    ActorRef<Slot.Command> slot = a.slot();
    FakeWorker worker = a.worker();
    a.invoke("hold");

    slot.tell(Slot.Seal.INSTANCE);
    TestSession refused = a.invoke("ping");
    assertEquals(new Slot.Returned(uuid, refused.session), reports.receiveMessage(), "sealed: no new sessions");
    controls.expectNoMessage(Duration.ofMillis(50));
    a.pipe().worker.channelsFinished(List.of(2L));

    Slot.Report finished = reports.receiveMessage();
    assertEquals(uuid, finished.uuid());
    assertEquals(1, ((Slot.ChannelsFinished) finished).count());
    assertEquals(1, ((Slot.ChannelsFinished) finished).tookNanos().size());
    controls.expectMessage(terminate(ErrorCode.SLAVE_IS_SEALING, "slave is sealing"));
    settled(slot);
    time.timePasses(Duration.ofMillis(999));
    settled(slot);
    assertEquals(0, worker.kills(), "terminate-timeout has not passed");
    time.timePasses(Duration.ofMillis(1));

    Slot.Died died = died();
    assertEquals(1, worker.kills());
    assertEquals(ErrorCode.SLAVE_IS_SEALING, died.cause().code());
    assertFalse(died.abnormal(), "the runtime asked for it: not a crash");
    assertTrue(died.activated());
  }

  @Test
  void aWorkerTheIsolateStartsAfterSpawnTimeoutIsKilledAtOnce() {
    isolate.holdSpawns();
    slot();
    FakeWorker worker = spawned.receiveMessage(); // the slot armed spawn-timeout before it asked the isolate

    time.timePasses(Duration.ofSeconds(10));
    reports.expectNoMessage(Duration.ofMillis(50));
    worker.start();

    Slot.Died died = died();
    assertEquals(ErrorCode.SPAWN_TIMEOUT, died.cause().code());
    assertEquals("app 'app': worker " + uuid + " was not started within spawn-timeout (10 s)", died.cause().getMessage());
    assertTrue(died.abnormal());
    assertEquals(1, worker.kills());
  }
}
