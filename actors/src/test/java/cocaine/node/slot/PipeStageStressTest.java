package cocaine.node.slot;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ch.qos.logback.classic.Level;
import cocaine.rpc.channel.Handoff;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.testkit.TestPublisher;
import org.apache.pekko.stream.testkit.TestSubscriber;
import org.apache.pekko.stream.testkit.javadsl.TestSink;
import org.apache.pekko.stream.testkit.javadsl.TestSource;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import org.slf4j.LoggerFactory;

/**
 * A worker's pipe driven from several threads at once, in a closed loop with an echoing worker:
 * thousands of sessions opened from four threads against a small control queue, their client
 * messages fed within windows, their answers read fast, slowly or only in part, some sessions cut
 * by another thread as a slot cuts an expired one. The shape of each session comes from the seed
 * that a failure names; {@code -Dpipestress.seed=<seed>} gives the same shapes again (the
 * interleaving is the machine's).
 */
class PipeStageStressTest {
  static final ActorTestKit testKit = ActorTestKit.create();
  private static final int THREADS = 4;
  private static final int SESSIONS_PER_THREAD = 2500;
  /** Small, so that the openers often find the control queue full. */
  private static final int CONTROL_LIMIT = 16;
  private static final int HEARTBEAT_EVERY = 100;
  /** The bound of every wait; a run takes a few seconds. */
  private static final Duration BOUND = Duration.ofSeconds(60);
  private static final String EVENT = "echo";
  private static final Frame HANDSHAKE = new Frame(WorkerLink.CONTROL_CHANNEL, 0, List.of(Values.str("stress-uuid")), List.of());
  private static final Frame HEARTBEAT = new Frame(WorkerLink.CONTROL_CHANNEL, 0, List.of(), List.of());
  private static final long STOP_CUTTING = 0;
  /** What the slot ends a cut session with, and what it tells the worker on the channel. */
  private static final CocaineException CUT_CAUSE = new CocaineException(ErrorCode.TIMEOUT, "cut by the test");
  private static final Message CUT_FOR_WORKER = Message.error(ErrorCode.TIMEOUT, "invocation has timed out");
  /** What the pipe tells the worker when the client's messages end without close. */
  private static final Message DISCONNECTED = Message.error(ErrorCode.WORKER_DISCONNECTED, "client disconnected");

  private final long seed = Long.getLong("pipestress.seed", System.nanoTime());
  private final AtomicLong ids = new AtomicLong(WorkerLink.CONTROL_CHANNEL);
  private final Map<Long, Call> calls = new ConcurrentHashMap<>();
  private final BlockingQueue<Long> toCut = new LinkedBlockingQueue<>();
  private final Queue<String> problems = new ConcurrentLinkedQueue<>();
  private final LongAdder refusals = new LongAdder();
  private final AtomicInteger heartbeatsSent = new AtomicInteger();
  private final EchoWorker worker = new EchoWorker();
  private final SlotSide slot = new SlotSide();
  /** The slow clients' requests, one at a time, behind each other. */
  private final ExecutorService slowReads = Executors.newSingleThreadExecutor();
  /**
   * Where a pump goes on after its feed's {@code resume}, as a connection resumes its channels on
   * its own stream: an element offered on the pipe's thread, inside {@code resume}, would overtake
   * elements offered before it from another thread that are still on their way to the pipe.
   */
  private final ExecutorService pumps = Executors.newSingleThreadExecutor();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @AfterEach
  void stopThreads() {
    slowReads.shutdownNow();
    pumps.shutdownNow();
  }

  /** What a client does with the worker's answers on its session. */
  enum Role {
    /** Sends its chunks and close, and reads every answer. */
    ENDS,
    /** Sends its chunks and close, and stops reading after {@code stopAt} answers. */
    CANCELS,
    /** Stops reading after {@code stopAt} answers and goes away: its messages end without close. */
    LEAVES,
    /** As {@link #ENDS}, but the slot cuts the channel once {@code stopAt} answers have arrived. */
    CUT
  }

  /**
   * The shape of one session, from the seed: what its client does, whether it reads slowly (one
   * answer at a time, behind the other slow clients), how many chunks it sends, the windows of its
   * messages towards the pipe and of the answers towards it, and where it stops or is cut.
   */
  record Plan(Role role, boolean slow, int chunks, int restWindow, int window, int stopAt) {
    static Plan random(Random r) {
      int chunks = r.nextInt(21);
      int p = r.nextInt(100);
      Role role = p < 45 ? Role.ENDS : p < 60 ? Role.CANCELS : p < 70 ? Role.LEAVES : Role.CUT;
      int stopAt = switch (role) {
        case ENDS -> 0;
        case CANCELS -> r.nextInt(chunks + 2); // up to after the close
        case LEAVES, CUT -> r.nextInt(chunks + 1);
      };
      return new Plan(role, r.nextInt(10) < 3, chunks, 1 + r.nextInt(4), 1 + r.nextInt(4), stopAt);
    }
  }

  @Test
  void everySessionEndsOnceWithItsOwnAnswersWhileThreadsOpenCutAndAbandonThem() throws Exception {
    ch.qos.logback.classic.Logger pipeLog = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(PipeStage.class);
    Level level = pipeLog.getLevel();
    pipeLog.setLevel(Level.INFO); // each frame dropped on a cut or abandoned channel is a debug line
    try {
      run();
    } finally {
      pipeLog.setLevel(level);
    }
  }

  private void run() throws Exception {
    SharedKillSwitch end = KillSwitches.shared("pipe-stress");
    CompletableFuture<PipeStage.Handle> routed = new CompletableFuture<>();
    PipeStage stage = new PipeStage(CONTROL_LIMIT, (first, pipe) -> {
      if (!first.equals(HANDSHAKE)) {
        problems.add("the router got " + first + " instead of the handshake");
      }
      routed.complete(pipe);
      return true;
    }, "stress pipe");
    PipeStage.Handle materialized = Flow.fromGraph(stage)
        .joinMat(worker.flow().via(end.<Frame>flow()).async(), Keep.left())
        .run(testKit.system());
    PipeStage.Handle pipe = routed.get(BOUND.toSeconds(), TimeUnit.SECONDS);
    assertSame(materialized, pipe);
    pipe.start(slot);

    long started = System.nanoTime();
    Thread cutter = new Thread(() -> cutEach(pipe), "pipe-stress-cutter");
    cutter.setDaemon(true);
    cutter.start();
    ExecutorService threads = Executors.newFixedThreadPool(THREADS);
    try {
      CompletableFuture<?>[] openers = IntStream.range(0, THREADS)
          .mapToObj(t -> CompletableFuture.runAsync(() -> openAll(pipe, t), threads))
          .toArray(CompletableFuture[]::new);
      CompletableFuture.allOf(openers).get(BOUND.toSeconds(), TimeUnit.SECONDS);
      awaitOrFail("every client's side ended", () -> calls.values().stream().allMatch(c -> c.client.isDone()));
      awaitOrFail("the slot heard of every channel's end", () -> slot.finished.size() >= calls.size());
      awaitOrFail("the worker saw every channel end", () -> worker.ended.size() >= calls.size());
      awaitOrFail("the slot heard every heartbeat's answer", () -> slot.controls.get() >= heartbeatsSent.get());
    } catch (TimeoutException e) {
      fail(failure("the openers did not finish within " + BOUND) + describeOpen());
    } finally {
      threads.shutdownNow();
      toCut.add(STOP_CUTTING);
    }
    long ran = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    cutter.join(BOUND.toMillis());
    end.shutdown();
    Optional<Throwable> closed = slot.closed.get(BOUND.toSeconds(), TimeUnit.SECONDS);

    assertEquals(Optional.empty(), closed, failure("the pipe ended with a failure"));
    for (Call c : calls.values()) {
      c.check();
    }
    if (slot.stalled) {
      problems.add("the pipe ended stalled: stalled(true) was never followed by stalled(false)");
    }
    if (heartbeatsSent.get() != worker.heartbeats.get() || heartbeatsSent.get() != slot.controls.get()) {
      problems.add(heartbeatsSent + " heartbeats sent, " + worker.heartbeats + " reached the worker, "
          + slot.controls + " answers reached the slot");
    }
    Map<Role, Long> roles = calls.values().stream().collect(Collectors.groupingBy(c -> c.plan.role(), Collectors.counting()));
    long cutMidway = calls.values().stream().filter(Call::cutMidway).count();
    System.out.printf("seed %d: %d sessions %s in %d ms; %d refusals of a full control queue, %d stalls, %d cut mid-way%n",
        seed, calls.size(), roles, ran, refusals.sum(), slot.stalls.get(), cutMidway);
    assertTrue(problems.isEmpty(), () -> failure(problems.size() + " problems") + "\n  "
        + problems.stream().limit(30).collect(Collectors.joining("\n  ")));
    assertEquals(THREADS * SESSIONS_PER_THREAD, calls.size());
    // the run must have gone through the paths it is for
    assertTrue(slot.stalls.get() > 0, failure("no slow client ever stalled the pipe"));
    assertTrue(cutMidway > 0, failure("no cut came before the worker's own end"));
  }

  /**
   * A race the stress run found, made deterministic: the client's close has reached the pipe, the
   * slot cuts the channel (request-timeout), and only then does the client's side complete. The
   * worker has had the client's last word; an error after it would be a frame on a closed channel.
   */
  @Test
  void cutAfterTheClientsCloseSendsTheWorkerNothingMore() throws Exception {
    CompletableFuture<PipeStage.Handle> routed = new CompletableFuture<>();
    PipeStage stage = new PipeStage(CONTROL_LIMIT, (first, pipe) -> routed.complete(pipe), "pipe");
    Pair<TestPublisher.Probe<Frame>, TestSubscriber.Probe<Frame>> probes = TestSource.<Frame>create(testKit.system())
        .via(Flow.fromGraph(stage))
        .toMat(TestSink.create(testKit.system()), Keep.both())
        .run(testKit.system());
    TestPublisher.Probe<Frame> fromWorker = probes.first();
    TestSubscriber.Probe<Frame> toWorker = probes.second();
    fromWorker.sendNext(HANDSHAKE);
    PipeStage.Handle pipe = routed.get(BOUND.toSeconds(), TimeUnit.SECONDS);
    BlockingQueue<List<Long>> finished = new LinkedBlockingQueue<>();
    pipe.start(new PipeStage.Listener() {
      @Override
      public void control(Frame frame) {}

      @Override
      public void channelsFinished(List<Long> channels) {
        finished.add(channels);
      }

      @Override
      public void stalled(boolean stalled) {}

      @Override
      public void closed(Optional<Throwable> failure) {}
    });
    long ch = WorkerLink.CONTROL_CHANNEL + 1;
    Handoff.Feed<Message> rest = new Handoff.Feed<>(4, () -> {}, cause -> {});
    SessionUpstream upstream = new SessionUpstream(4, () -> {});
    long now = System.nanoTime();
    Session session = new Session(ch, EVENT, List.of(), rest, upstream, now, now + Duration.ofHours(1).toNanos(), SessionTrace.NONE);
    CompletionStage<List<Message>> client = upstream.source().runWith(Sink.seq(), testKit.system());
    Frame invoke = new Frame(ch, 0, List.of(Values.str(EVENT)), List.of());
    Message chunk = Message.write(Values.str("chunk"));

    rest.offer(chunk);
    assertTrue(pipe.open(invoke, session));
    toWorker.request(2);
    toWorker.expectNext(invoke);
    toWorker.expectNext(chunk.on(ch)); // the channel reads its client now: what follows reaches the pipe in this order
    rest.offer(Message.close());
    session.fail(CUT_CAUSE);
    pipe.cut(ch, Optional.of(CUT_FOR_WORKER.on(ch)));
    rest.complete();
    toWorker.request(2);
    toWorker.expectNext(Message.close().on(ch));
    assertEquals(List.of(ch), finished.poll(BOUND.toSeconds(), TimeUnit.SECONDS));
    assertTrue(pipe.control(HEARTBEAT));
    assertEquals(HEARTBEAT, toWorker.expectNext(), "after the channel's close, the worker hears only the heartbeat");
    assertEquals(List.of(Message.error(CUT_CAUSE)), client.toCompletableFuture().get(BOUND.toSeconds(), TimeUnit.SECONDS));
    fromWorker.sendComplete();
    toWorker.expectComplete();
  }

  /** One opener thread: sessions one after the other, a heartbeat now and then. */
  private void openAll(PipeStage.Handle pipe, int thread) {
    Random random = new Random(seed + thread);
    for (int i = 0; i < SESSIONS_PER_THREAD; i++) {
      if (i % HEARTBEAT_EVERY == 0) {
        offerUntilTaken(() -> pipe.control(HEARTBEAT), "a heartbeat");
        heartbeatsSent.incrementAndGet();
      }
      Plan plan = Plan.random(random);
      long ch = ids.incrementAndGet();
      Call call = new Call(ch, thread, plan);
      calls.put(ch, call);
      Frame invoke = new Frame(ch, 0, List.of(Values.str(EVENT)), List.of());
      offerUntilTaken(() -> pipe.open(invoke, call.session), "the invoke of channel " + ch);
      call.pump.start();
      if (plan.role() == Role.CUT && plan.stopAt() == 0) {
        toCut.add(ch);
      }
    }
  }

  /** Offers until the pipe takes it, again each time the worker has taken a frame off the full control queue. */
  private void offerUntilTaken(BooleanSupplier offer, String what) {
    long deadline = System.nanoTime() + BOUND.toNanos();
    while (true) {
      long seen = worker.taken.get();
      if (offer.getAsBoolean()) {
        return;
      }
      refusals.increment();
      if (!worker.awaitTakenAfter(seen, deadline)) {
        throw new AssertionError(failure(what + " was refused for " + BOUND + ", the worker taking nothing") + describeOpen());
      }
    }
  }

  /** The slot's side of a cut: the session ends with an error, then its channel is cut, as on request-timeout. */
  private void cutEach(PipeStage.Handle pipe) {
    try {
      for (long ch = toCut.take(); ch != STOP_CUTTING; ch = toCut.take()) {
        Call c = calls.get(ch);
        c.session.fail(CUT_CAUSE);
        pipe.cut(ch, Optional.of(CUT_FOR_WORKER.on(ch)));
      }
    } catch (InterruptedException e) {
      problems.add("the cutter was interrupted");
    } catch (RuntimeException e) {
      problems.add("the cutter failed: " + e);
    }
  }

  private void awaitOrFail(String what, Callable<Boolean> condition) {
    try {
      await().atMost(BOUND).pollInterval(Duration.ofMillis(20)).until(condition);
    } catch (ConditionTimeoutException e) {
      fail(failure("not within " + BOUND + ": " + what) + describeOpen());
    }
  }

  private String failure(String what) {
    return "seed " + seed + " (-Dpipestress.seed=" + seed + "): " + what;
  }

  /** The sessions not yet over on both sides, for a failure that is a hang. */
  private String describeOpen() {
    List<Call> open = calls.values().stream()
        .filter(c -> !c.client.isDone() || !slot.finished.containsKey(c.channel) || !worker.ended.contains(c.channel))
        .sorted((a, b) -> Long.compare(a.channel, b.channel))
        .toList();
    return "\n  " + open.size() + " of " + calls.size() + " sessions open; the pipe is " + (slot.stalled ? "" : "not ")
        + "stalled; the worker took " + worker.taken + " frames\n  "
        + open.stream().limit(20).map(Call::toString).collect(Collectors.joining("\n  "));
  }

  /** One session: its plan, what its client took, and how the test feeds and checks it. */
  private final class Call {
    final long channel;
    final int thread;
    final Plan plan;
    final List<Message> chunks;
    final Session session;
    final Pump pump;
    /** What the client took, in order. */
    final List<Message> received = Collections.synchronizedList(new ArrayList<>());
    final CompletableFuture<Void> client = new CompletableFuture<>();

    Call(long channel, int thread, Plan plan) {
      this.channel = channel;
      this.thread = thread;
      this.plan = plan;
      this.chunks = IntStream.range(0, plan.chunks()).mapToObj(i -> Message.write(Values.str(channel + "/" + i))).toList();
      this.pump = new Pump(plan.role() == Role.LEAVES ? chunks : with(chunks, Message.close()));
      Handoff.Feed<Message> rest = new Handoff.Feed<>(plan.restWindow(), () -> pumps.execute(pump::run),
          cause -> pump.cancelled = true);
      pump.feed = rest;
      SessionUpstream upstream = new SessionUpstream(plan.window(), () -> {});
      long now = System.nanoTime();
      session = new Session(channel, EVENT, List.of(), rest, upstream, now, now + Duration.ofHours(1).toNanos(), SessionTrace.NONE);
      Source<Message, NotUsed> answers = upstream.source();
      if (plan.role() == Role.CANCELS || plan.role() == Role.LEAVES) {
        answers = answers.take(plan.stopAt());
      }
      if (plan.slow()) {
        answers.runWith(Sink.fromSubscriber(new SlowReader(this)), testKit.system());
      } else {
        answers.runWith(Sink.foreach(this::took), testKit.system()).whenComplete((done, e) -> {
          if (e != null) {
            client.completeExceptionally(e);
          } else {
            client.complete(null);
          }
        });
      }
    }

    void took(Message m) {
      received.add(m);
      if (plan.role() == Role.CUT && received.size() == plan.stopAt()) {
        toCut.add(channel);
      }
    }

    /** The slot's cut ended the session after some of its answers and before the worker's own close. */
    boolean cutMidway() {
      List<Message> got = List.copyOf(received);
      return plan.role() == Role.CUT && got.size() > 1 && got.get(got.size() - 1).type() == Graph.ERROR;
    }

    void check() {
      List<Message> got = List.copyOf(received);
      List<Message> atWorker = worker.got.get(channel);
      List<Message> all = with(chunks, Message.close());
      if (client.isCompletedExceptionally()) {
        problems.add(this + ": the client's side failed");
      }
      if (atWorker == null) {
        problems.add(this + ": the worker never got its invoke");
        return;
      }
      atWorker = List.copyOf(atWorker);
      switch (plan.role()) {
        case ENDS -> {
          expect("the client", all, got);
          expect("the worker", all, atWorker);
        }
        case CANCELS -> {
          expect("the client", all.subList(0, Math.min(plan.stopAt(), all.size())), got);
          expect("the worker", all, atWorker);
        }
        case LEAVES -> {
          expect("the client", chunks.subList(0, plan.stopAt()), got);
          expect("the worker", with(chunks, DISCONNECTED), atWorker);
        }
        case CUT -> {
          expectCut("the client", got, plan.stopAt(), Message.error(CUT_CAUSE));
          // a session ended by the slot just as its invoke goes out has had its messages taken back
          // (Session.finish): the pipe tells the worker that the client's side ended before the cut comes
          if (!atWorker.equals(List.of(DISCONNECTED))) {
            expectCut("the worker", atWorker, 0, CUT_FOR_WORKER);
          }
        }
        default -> throw new IllegalStateException(plan.role().toString());
      }
      int reported = slot.finished.getOrDefault(channel, new AtomicInteger()).get();
      if (reported != 1) {
        problems.add(this + ": its end was told to the slot " + reported + " times");
      }
    }

    private void expect(String side, List<Message> expected, List<Message> got) {
      if (!expected.equals(got)) {
        problems.add(this + ": " + side + " got " + brief(got) + ", expected " + brief(expected));
      }
    }

    /** Some of the chunks in order, at least {@code atLeast}, then close after all of them or else {@code cut}. */
    private void expectCut(String side, List<Message> got, int atLeast, Message cut) {
      int n = got.size() - 1;
      boolean ok = n >= atLeast && n <= chunks.size() && got.subList(0, n).equals(chunks.subList(0, n))
          && (got.get(n).equals(cut) || (n == chunks.size() && got.get(n).equals(Message.close())));
      if (!ok) {
        problems.add(this + ": " + side + " got " + brief(got) + ", expected " + atLeast + " to " + chunks.size()
            + " of the chunks in order, then " + brief(List.of(cut)) + " or, after all of them, close");
      }
    }

    @Override
    public String toString() {
      List<Message> atWorker = worker.got.get(channel);
      return "channel " + channel + " (thread " + thread + ", " + plan + "; client took " + brief(List.copyOf(received))
          + (client.isDone() ? ", its side ended" : ", its side open") + "; session " + (session.isFinished() ? "finished" : "open")
          + "; worker got " + (atWorker == null ? "no invoke" : brief(List.copyOf(atWorker)))
          + "; slot told " + slot.finished.getOrDefault(channel, new AtomicInteger()) + " times)";
    }
  }

  /** Messages as a failure shows them: {@code [2/0, 2/1, close]}, {@code error[42, 220]}. */
  private static String brief(List<Message> messages) {
    return messages.stream().map(m -> switch (m.type()) {
      case Graph.WRITE -> m.args().size() == 1 && m.args().get(0).isRawValue() ? Values.asString(m.args().get(0)) : "write" + m.args();
      case Graph.CLOSE -> "close";
      case Graph.ERROR -> "error[" + m.toException().code().category() + ", " + m.toException().code().code() + "]";
      default -> "type " + m.type() + m.args();
    }).collect(Collectors.joining(", ", "[", "]"));
  }

  private static List<Message> with(List<Message> messages, Message last) {
    return Stream.concat(messages.stream(), Stream.of(last)).toList();
  }

  /**
   * The client's messages after the invoke: offered until the feed's window is full, then again
   * after the feed's {@code resume}. One runner at a time: resume comes only after an offer was
   * refused, and the refused runner then touches nothing.
   */
  private static final class Pump {
    private final List<Message> messages;
    Handoff.Feed<Message> feed;
    volatile boolean cancelled;
    private volatile int next;

    Pump(List<Message> messages) {
      this.messages = messages;
    }

    void start() {
      if (messages.isEmpty()) {
        feed.complete();
      } else {
        run();
      }
    }

    void run() {
      while (!cancelled && next < messages.size()) {
        int i = next++;
        boolean room = feed.offer(messages.get(i));
        if (i == messages.size() - 1) {
          feed.complete();
          return;
        }
        if (!room) {
          return;
        }
      }
    }
  }

  /** A client that asks for one message at a time, its requests queued behind every other slow client's. */
  private final class SlowReader implements Subscriber<Message> {
    private final Call call;
    private Subscription subscription;

    SlowReader(Call call) {
      this.call = call;
    }

    @Override
    public void onSubscribe(Subscription s) {
      subscription = s;
      slowReads.execute(() -> s.request(1));
    }

    @Override
    public void onNext(Message m) {
      call.took(m);
      slowReads.execute(() -> subscription.request(1));
    }

    @Override
    public void onError(Throwable t) {
      call.client.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      call.client.complete(null);
    }
  }

  /**
   * The worker: answers each write with the same write and the client's close or error with its
   * own close, echoes heartbeats, and records what each channel brought after its invoke.
   */
  private final class EchoWorker {
    final Map<Long, List<Message>> got = new ConcurrentHashMap<>();
    final Set<Long> ended = ConcurrentHashMap.newKeySet();
    final AtomicInteger heartbeats = new AtomicInteger();
    /** Frames taken from the pipe; openers refused by a full control queue wait for it to grow. */
    final AtomicLong taken = new AtomicLong();
    private final AtomicInteger waiters = new AtomicInteger();
    /** The last invoke from each opener thread; worker's stream only. */
    private final long[] lastInvoke = new long[THREADS];

    Flow<Frame, Frame, NotUsed> flow() {
      return Flow.<Frame>create().mapConcat(this::answer).prepend(Source.single(HANDSHAKE));
    }

    private List<Frame> answer(Frame f) {
      took();
      if (f.channel() == WorkerLink.CONTROL_CHANNEL) {
        if (!f.equals(HEARTBEAT)) {
          problems.add("the worker got control frame " + f);
        }
        heartbeats.incrementAndGet();
        return List.of(f);
      }
      List<Message> channel = got.get(f.channel());
      if (channel == null) {
        return invoked(f);
      }
      if (ended.contains(f.channel())) {
        problems.add(calls.get(f.channel()) + ": the worker got " + brief(List.of(f.message())) + " after the channel's end");
        return List.of();
      }
      channel.add(f.message());
      if (f.type() == Graph.WRITE) {
        return List.of(f);
      }
      ended.add(f.channel());
      if (f.type() != Graph.CLOSE && f.type() != Graph.ERROR) {
        problems.add("channel " + f.channel() + ": the worker got message type " + f.type());
      }
      return List.of(Message.close().on(f.channel()));
    }

    private List<Frame> invoked(Frame f) {
      Call call = calls.get(f.channel());
      if (call == null || f.type() != 0 || !f.args().equals(List.of(Values.str(EVENT)))) {
        problems.add("channel " + f.channel() + " began with " + f + " instead of its invoke");
        return List.of();
      }
      if (f.channel() < lastInvoke[call.thread]) {
        problems.add("the invoke of channel " + f.channel() + " reached the worker after that of channel "
            + lastInvoke[call.thread] + ", which thread " + call.thread + " opened later");
      }
      lastInvoke[call.thread] = f.channel();
      got.put(f.channel(), Collections.synchronizedList(new ArrayList<>()));
      return List.of();
    }

    private void took() {
      taken.incrementAndGet();
      if (waiters.get() > 0) {
        synchronized (this) {
          notifyAll();
        }
      }
    }

    /** Waits until the worker has taken more than {@code seen} frames; false at {@code deadline}. */
    boolean awaitTakenAfter(long seen, long deadline) {
      waiters.incrementAndGet();
      try {
        synchronized (this) {
          while (taken.get() <= seen) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
              return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
          }
          return true;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } finally {
        waiters.decrementAndGet();
      }
    }
  }

  /** What a slot hears from its pipe, checked as it is told. */
  private final class SlotSide implements PipeStage.Listener {
    final Map<Long, AtomicInteger> finished = new ConcurrentHashMap<>();
    final AtomicInteger controls = new AtomicInteger();
    final AtomicInteger stalls = new AtomicInteger();
    final CompletableFuture<Optional<Throwable>> closed = new CompletableFuture<>();
    /** Told from the pipe's stream only. */
    volatile boolean stalled;

    @Override
    public void control(Frame frame) {
      afterClosed("control " + frame);
      if (!frame.equals(HEARTBEAT)) {
        problems.add("the slot got control frame " + frame);
      }
      controls.incrementAndGet();
    }

    @Override
    public void channelsFinished(List<Long> channels) {
      afterClosed("channels finished " + channels);
      for (long ch : channels) {
        Call call = calls.get(ch);
        if (call == null) {
          problems.add("the slot heard of the end of channel " + ch + ", never opened");
          continue;
        }
        if (!call.session.isFinished() && !call.session.isClientGone()) {
          problems.add(call + ": its end was told while its client's side was open");
        }
        if (finished.computeIfAbsent(ch, k -> new AtomicInteger()).incrementAndGet() > 1) {
          problems.add(call + ": its end was told again");
        }
      }
    }

    @Override
    public void stalled(boolean now) {
      afterClosed("stalled(" + now + ")");
      if (now == stalled) {
        problems.add("stalled(" + now + ") twice in a row");
      }
      stalled = now;
      if (now) {
        stalls.incrementAndGet();
      }
    }

    @Override
    public void closed(Optional<Throwable> failure) {
      if (!closed.complete(failure)) {
        problems.add("closed told again: " + failure);
      }
    }

    private void afterClosed(String what) {
      if (closed.isDone()) {
        problems.add("the slot was told " + what + " after the pipe closed");
      }
    }
  }
}
