package cocaine.node.isolate;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * An isolate without processes, for the node's unit tests: spools as the test says and "starts"
 * workers that exit when killed or when the test says so. Every started worker is told to
 * {@code spawned}, so a test waits for it with a probe.
 */
public final class FakeIsolate implements Isolate {
  private static final AtomicLong PIDS = new AtomicLong(10_000);

  private final ActorRef<FakeWorker> spawned;
  private volatile CompletionStage<Void> spool = CompletableFuture.completedFuture(null);
  private volatile boolean holdSpawns;
  private final AtomicInteger closes = new AtomicInteger();

  public FakeIsolate(ActorRef<FakeWorker> spawned) {
    this.spawned = spawned;
  }

  /** Spooling completes as {@code result} does (the default: at once, successfully). */
  public FakeIsolate spoolsWith(CompletionStage<Void> result) {
    this.spool = result;
    return this;
  }

  /** Spawns answer only when the test calls {@link FakeWorker#start()}. */
  public FakeIsolate holdSpawns() {
    this.holdSpawns = true;
    return this;
  }

  /** Every app gets this isolate. */
  public Factory factory() {
    return (app, slave, type, args, output) -> this;
  }

  public int closes() {
    return closes.get();
  }

  @Override
  public CompletionStage<Void> spool(Optional<byte[]> archive) {
    return spool;
  }

  @Override
  public CompletionStage<Worker> spawn(SortedMap<String, String> args, Map<String, String> env) {
    FakeWorker worker = new FakeWorker(PIDS.incrementAndGet(), new TreeMap<>(args));
    if (!holdSpawns) {
      worker.start();
    }
    spawned.tell(worker);
    return worker.started;
  }

  @Override
  public void close() {
    closes.incrementAndGet();
  }

  /** A started worker: its exit completes when it is killed (unless told to ignore kills) or on {@link #exit}. */
  public static final class FakeWorker implements Worker {
    private final long pid;
    private final SortedMap<String, String> args;
    final CompletableFuture<Worker> started = new CompletableFuture<>();
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private final AtomicInteger kills = new AtomicInteger();
    private final AtomicInteger exitWatches = new AtomicInteger();
    private volatile boolean ignoresKills;

    FakeWorker(long pid, SortedMap<String, String> args) {
      this.pid = pid;
      this.args = args;
    }

    /** The {@code --key value} arguments it was started with. */
    public SortedMap<String, String> args() {
      return args;
    }

    /** Answers a held spawn. */
    public void start() {
      started.complete(this);
    }

    /** Like a process that traps SIGTERM and SIGKILL never comes: kills do not end it. */
    public FakeWorker ignoreKills() {
      this.ignoresKills = true;
      return this;
    }

    /** The process ends with {@code code}. */
    public void exit(int code) {
      exit.complete(code);
    }

    public int kills() {
      return kills.get();
    }

    /** How often its slot asked for its exit code: a slot asks once it waits for the process. */
    public int exitWatches() {
      return exitWatches.get();
    }

    @Override
    public long pid() {
      return pid;
    }

    @Override
    public CompletionStage<Integer> exit() {
      exitWatches.incrementAndGet();
      return exit;
    }

    @Override
    public List<String> output() {
      return List.of();
    }

    @Override
    public void kill() {
      kills.incrementAndGet();
      if (!ignoresKills) {
        exit.complete(128 + 9);
      }
    }
  }
}
