package cocaine.node.isolate;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process isolate (docs/protocol.md 3.1, 4.3): unpacks the app archive into {@code <spool>/<app>}
 * ({@link AppArchive}: every entry checked before anything is written) and runs the manifest's
 * {@code slave} there as a child process with {@code no_new_privs}, keeping its output in a bounded ring
 * for crashlogs. What a profile may choose is the operator's {@link ProcessPolicy}. Blocking work runs
 * on the given executors.
 */
public final class ProcessIsolate implements Isolate {
  /** Isolate types this class serves: "process" and the 0.12.14 in-process name. */
  public static final List<String> TYPES = List.of("process", "legacy_process");
  static final Duration DEFAULT_KILL_TIMEOUT = Duration.ofSeconds(5);
  /** How long after exit the output reader may take to reach the end of the pipe. */
  private static final Duration OUTPUT_DRAIN_GRACE = Duration.ofMillis(500);
  private static final Logger log = LoggerFactory.getLogger(ProcessIsolate.class);

  private final String app;
  private final String slave;
  private final Path spool;
  private final ProcessPolicy policy;
  private final Duration killTimeout;
  private final OutputPolicy outputPolicy;
  private final Executor blocking;
  private final ExecutorService outputReaders;
  private final OutputListener outputListener;
  /** Unix user the workers run as (via setpriv), or null for the runtime's own user. */
  private final String user;
  private volatile String userGroup;
  private volatile Path workDir;
  private volatile Path executable;
  /** The identity (device, inode) of the folder {@link #spool} unpacked, or null when it unpacked none. */
  private volatile Object unpacked;

  ProcessIsolate(String app, String slave, ProcessPolicy policy, Path spool, Duration killTimeout,
      OutputPolicy outputPolicy, Executor blocking, ExecutorService outputReaders, OutputListener outputListener,
      String user) {
    this.user = user;
    this.app = app;
    this.slave = slave;
    this.policy = policy;
    this.spool = spool;
    this.killTimeout = killTimeout;
    this.outputPolicy = outputPolicy;
    this.blocking = blocking;
    this.outputReaders = outputReaders;
    this.outputListener = outputListener;
  }

  /**
   * Makes process isolates under {@link ProcessPolicy#strict}: profiles may choose a spool folder
   * inside {@code spoolRoot} and nothing else the operator has to allow.
   */
  public static Factory factory(Path spoolRoot, Executor blocking, ExecutorService outputReaders) {
    return factory(ProcessPolicy.strict(spoolRoot), blocking, outputReaders, OutputListener.NONE);
  }

  /** Like {@link #factory(Path, Executor, ExecutorService)}; every line workers print also goes to {@code listener}. */
  public static Factory factory(Path spoolRoot, Executor blocking, ExecutorService outputReaders,
      OutputListener listener) {
    return factory(ProcessPolicy.strict(spoolRoot), blocking, outputReaders, listener);
  }

  /**
   * Makes process isolates. Profile args: {@code spool} (folder in the policy's spool root, default the
   * root), {@code kill_timeout} (seconds, default 5) and {@code user} (Unix user the workers run as, one the
   * policy allows; needs a runtime running as root; default: the runtime's user).
   *
   * @param blocking runs unpacking and process starts
   * @param outputReaders one thread per running worker reads its output; see {@link #outputReaders(int)}
   * @param listener hears every line workers print
   */
  public static Factory factory(ProcessPolicy policy, Executor blocking, ExecutorService outputReaders,
      OutputListener listener) {
    return (app, slave, type, args, output) -> {
      if (!TYPES.contains(type)) {
        throw new CocaineException(ErrorCode.INVALID, "profile field 'isolate.type': unsupported isolate '" + type
            + "' (this node runs: " + String.join(", ", TYPES) + ")");
      }
      Path spool = policy.spool(app, args.get("spool"));
      String user = policy.user(app, args.get("user"));
      Duration killTimeout = DEFAULT_KILL_TIMEOUT;
      Object killArg = args.get("kill_timeout");
      if (killArg != null) {
        if (!(killArg instanceof Number n) || n.doubleValue() <= 0) {
          throw new CocaineException(ErrorCode.INVALID,
              "profile field 'isolate.args.kill_timeout': must be a positive number of seconds, got " + killArg);
        }
        killTimeout = Duration.ofMillis(Math.round(n.doubleValue() * 1000));
      }
      return new ProcessIsolate(app, slave, policy, spool, killTimeout, output, blocking, outputReaders, listener,
          user);
    };
  }

  /**
   * A pool for output readers: at most {@code maxWorkers} threads (one per live worker); a spawn past
   * that bound fails with a clear error instead of leaving a worker's output undrained.
   */
  public static ExecutorService outputReaders(int maxWorkers) {
    AtomicInteger n = new AtomicInteger();
    return new ThreadPoolExecutor(0, maxWorkers, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
      Thread t = new Thread(r, "cocaine-worker-output-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public CompletionStage<Void> spool(Optional<byte[]> archive) {
    return CompletableFuture.runAsync(() -> prepare(archive), blocking);
  }

  private void prepare(Optional<byte[]> archive) {
    Path appDir = policy.appFolder(app, spool);
    Path slavePath = Path.of(slave);
    if (archive.isPresent()) {
      unpack(archive.get(), appDir);
      workDir = appDir;
      executable = appDir.resolve(slavePath).normalize();
    } else if (slavePath.isAbsolute()) {
      // no archive: an app installed on the host, run in place
      workDir = slavePath.getParent() == null ? Path.of("/") : slavePath.getParent();
      executable = slavePath;
    } else if (Files.isRegularFile(appDir.resolve(slavePath))) {
      workDir = appDir;
      executable = appDir.resolve(slavePath).normalize();
    } else {
      throw new CocaineException(ErrorCode.NOT_FOUND, "app '" + app + "' has no archive in storage (apps/" + app
          + ") and its manifest's slave '" + slave + "' is not an absolute path");
    }
    if (!Files.isRegularFile(executable)) {
      throw new CocaineException(ErrorCode.NOT_FOUND, "app '" + app + "': the manifest's slave '" + slave
          + "' is not a file (looked for " + executable + ")");
    }
  }

  /** Unpacks into a fresh folder beside the app's, then replaces the app's folder with it. */
  private void unpack(byte[] archive, Path appDir) {
    Path tmpDir = null;
    try {
      Files.createDirectories(spool);
      tmpDir = Files.createTempDirectory(spool, "." + app + ".unpack-");
      AppArchive.unpack(archive, tmpDir, policy.archiveLimits());
      deleteTree(appDir);
      Files.move(tmpDir, appDir);
      tmpDir = null;
      unpacked = Files.readAttributes(appDir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    } catch (AppArchive.Refused e) {
      throw new CocaineException(ErrorCode.SPOOL_ERROR, "app '" + app + "': the archive (apps/" + app + ") is refused,"
          + " nothing was unpacked: " + e.getMessage());
    } catch (IOException e) {
      throw new CocaineException(ErrorCode.SPOOL_ERROR, "app '" + app + "': cannot unpack the archive into "
          + appDir + ": " + e, e);
    } finally {
      quietlyDelete(tmpDir);
    }
  }

  @Override
  public void discard() {
    Object mine = unpacked;
    if (mine == null) {
      return;
    }
    Path appDir = policy.appFolder(app, spool);
    try {
      if (!mine.equals(Files.readAttributes(appDir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey())) {
        return; // another spool of the app unpacked there since: it is theirs
      }
      deleteTree(appDir);
      log.info("app [{}]: removed its retired spool folder [{}]", app, appDir);
    } catch (NoSuchFileException e) {
      // gone already
    } catch (IOException | RuntimeException e) {
      log.warn("app [{}]: cannot remove its retired spool folder [{}]: {}", app, appDir, e.toString());
    }
  }

  @Override
  public CompletionStage<Worker> spawn(SortedMap<String, String> args, Map<String, String> env) {
    return CompletableFuture.supplyAsync(() -> start(args, env), blocking);
  }

  /**
   * setpriv's options that run the worker as {@link #user} with no capabilities, after giving that
   * user its socket: the socket file becomes theirs (mode 0600) and its folder searchable (0711).
   */
  private List<String> asUser(String endpoint) {
    try {
      if (userGroup == null) {
        Process id = new ProcessBuilder("id", "-g", user).redirectErrorStream(true).start();
        String out = new String(id.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (id.waitFor() != 0) {
          throw new IOException("id -g " + user + ": " + out);
        }
        userGroup = out;
      }
      if (endpoint != null) {
        Path socket = Path.of(endpoint);
        var lookup = socket.getFileSystem().getUserPrincipalLookupService();
        Files.setOwner(socket, lookup.lookupPrincipalByName(user));
        Files.setPosixFilePermissions(socket.getParent(), PosixFilePermissions.fromString("rwx--x--x"));
      }
      if (workDir != null && workDir.startsWith(spool)) {
        Files.setPosixFilePermissions(workDir, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
    } catch (IOException e) {
      throw new CocaineException(ErrorCode.SPOOL_ERROR, "app '" + app + "': cannot hand the worker socket to user '"
          + user + "': " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CocaineException(ErrorCode.SPOOL_ERROR, "app '" + app + "': interrupted");
    }
    return List.of("--reuid=" + user, "--regid=" + userGroup, "--init-groups", "--inh-caps=-all",
        "--bounding-set=-all");
  }

  private Worker start(SortedMap<String, String> args, Map<String, String> env) {
    Path exe = executable;
    if (exe == null) {
      throw new IllegalStateException("spawn before spool");
    }
    // no_new_privs: neither a setuid file nor file capabilities can raise the worker above where it starts
    List<String> command = new ArrayList<>(List.of("setpriv", "--no-new-privs"));
    if (user != null) {
      command.addAll(asUser(args.get("endpoint")));
    }
    command.add("--");
    if (!Files.isExecutable(exe)) {
      command.add("/bin/sh"); // an archive may lose the x bit; the original ran such scripts the same way
    }
    command.add(exe.toString());
    args.forEach((k, v) -> {
      command.add("--" + k);
      command.add(v);
    });
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
    builder.environment().putAll(env);
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new CocaineException(ErrorCode.SPOOL_ERROR, "app '" + app + "': cannot start " + exe + ": " + e.getMessage(), e);
    }
    String uuid = args.getOrDefault("uuid", String.valueOf(process.pid()));
    OutputRing ring = new OutputRing(outputPolicy.lines(), outputPolicy.maxLineBytes(), line -> {
      if (outputPolicy.log()) {
        log.info("app [{}] worker [{}]: {}", app, uuid, line);
      }
      outputListener.line(app, uuid, line);
    });
    CompletableFuture<Void> drained = new CompletableFuture<>();
    try {
      outputReaders.execute(() -> pump(process.getInputStream(), ring, drained));
    } catch (RejectedExecutionException e) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      throw new CocaineException(ErrorCode.RESOURCE, "app '" + app + "': too many live workers on this node to read"
          + " one more worker's output");
    }
    return new ProcessWorker(process, ring, drained);
  }

  private static void pump(InputStream in, OutputRing ring, CompletableFuture<Void> drained) {
    byte[] buf = new byte[8192];
    try (in) {
      int n;
      while ((n = in.read(buf)) > 0) {
        ring.feed(buf, 0, n);
      }
    } catch (IOException e) {
      // the pipe closes when the worker dies; what was read is kept
    } finally {
      drained.complete(null);
    }
  }

  private final class ProcessWorker implements Worker {
    private final Process process;
    private final OutputRing ring;
    private final CompletionStage<Integer> exit;

    ProcessWorker(Process process, OutputRing ring, CompletableFuture<Void> drained) {
      this.process = process;
      this.ring = ring;
      // a grandchild may hold the pipe open after the worker exits: wait for its end only briefly
      this.exit = process.onExit().thenCompose(p -> drained
          .completeOnTimeout(null, OUTPUT_DRAIN_GRACE.toMillis(), TimeUnit.MILLISECONDS)
          .thenApply(x -> p.exitValue()));
    }

    @Override
    public long pid() {
      return process.pid();
    }

    @Override
    public CompletionStage<Integer> exit() {
      return exit;
    }

    @Override
    public List<String> output() {
      return ring.snapshot();
    }

    @Override
    public void kill() {
      if (!process.isAlive()) {
        return;
      }
      // through the handle: Process.destroy() would also close our end of its output pipe, and the
      // worker's last words (and then the worker, by SIGPIPE) would be lost
      process.descendants().forEach(ProcessHandle::destroy);
      process.toHandle().destroy();
      CompletableFuture.delayedExecutor(killTimeout.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
        if (process.isAlive()) {
          log.warn("app [{}]: worker pid [{}] still alive [{}] ms after SIGTERM (kill_timeout): SIGKILL", app,
              process.pid(), killTimeout.toMillis());
          process.descendants().forEach(ProcessHandle::destroyForcibly);
          process.toHandle().destroyForcibly();
        }
      });
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  static void quietlyDelete(Path p) {
    if (p == null) {
      return;
    }
    try {
      deleteTree(p);
    } catch (IOException e) {
      log.warn("cannot delete [{}]: {}", p, e.toString());
    }
  }
}
