package cocaine.node.isolate.docker;

import cocaine.node.isolate.Isolate;
import cocaine.node.isolate.OutputRing;
import com.github.dockerjava.transport.DockerHttpClient;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One container running one worker of a {@link DockerIsolate}: its watcher reads the container's
 * output into the worker's ring, then learns the exit code and has the container reaped; a kill is
 * SIGTERM, then SIGKILL after kill_timeout.
 */
final class ContainerWorker implements Isolate.Worker {
  // the isolate's logger: a worker's lines are its app's isolate's, found under one name
  private static final Logger log = LoggerFactory.getLogger(DockerIsolate.class);

  final String id;
  final String uuid;
  private final String app;
  private final OutputRing ring;
  private final Daemon daemon;
  private final Duration killTimeout;
  private final Executor blocking;
  private final Consumer<ContainerWorker> reap;
  private final CompletableFuture<Integer> exit = new CompletableFuture<>();
  private final AtomicBoolean stopping = new AtomicBoolean();
  volatile long pid;

  /**
   * @param id   the container
   * @param uuid the worker (its slot)
   * @param reap removes the container once it has stopped, before its exit is told
   */
  ContainerWorker(String app, String id, String uuid, OutputRing ring, Daemon daemon, Duration killTimeout,
      Executor blocking, Consumer<ContainerWorker> reap) {
    this.app = app;
    this.id = id;
    this.uuid = uuid;
    this.ring = ring;
    this.daemon = daemon;
    this.killTimeout = killTimeout;
    this.blocking = blocking;
    this.reap = reap;
  }

  // on an output reader thread, for the container's whole life
  void watch(DockerHttpClient.Response attached) {
    try (attached) {
      AttachStream.copy(attached.getBody(), ring);
    } catch (IOException | RuntimeException e) {
      // the stream breaks when the container is removed or the daemon goes; what was read is kept
      log.debug("app [{}]: output of container [{}] ended: {}", app, DockerIsolate.shortId(id), e.toString());
    }
    int code;
    try {
      code = daemon.awaitExit(id);
    } catch (IOException | RuntimeException e) {
      log.warn("app [{}]: cannot learn how container [{}] of worker [{}] ended: {}", app, DockerIsolate.shortId(id),
          uuid, DockerIsolate.reason(e));
      code = -1;
    }
    reap.accept(this);
    exit.complete(code);
  }

  @Override
  public long pid() {
    return pid;
  }

  @Override
  public CompletionStage<Integer> exit() {
    return exit;
  }

  @Override
  public List<String> output() {
    return ring.snapshot();
  }

  /**
   * SIGTERM to the container now, SIGKILL after kill_timeout if it still runs (what {@code docker stop}
   * does, without holding a thread for the wait); the watcher then removes the container.
   */
  @Override
  public void kill() {
    if (exit.isDone()) {
      return;
    }
    if (stopping.compareAndSet(false, true)) {
      signal("TERM");
      CompletableFuture.delayedExecutor(killTimeout.toMillis(), TimeUnit.MILLISECONDS, blocking)
          .execute(() -> {
            if (!exit.isDone()) {
              log.warn("app [{}]: worker [{}] still runs [{}] ms after SIGTERM (kill_timeout): SIGKILL to container"
                  + " [{}]", app, uuid, killTimeout.toMillis(), DockerIsolate.shortId(id));
              signal("KILL");
            }
          });
    } else {
      signal("KILL");
    }
  }

  private void signal(String signal) {
    try {
      blocking.execute(() -> {
        try {
          daemon.api().killContainerCmd(id).withSignal(signal).exec();
        } catch (RuntimeException e) {
          // a container that has just exited (409) or is gone (404) needs no signal
          if (!exit.isDone()) {
            log.debug("app [{}]: SIG{} to container [{}]: {}", app, signal, DockerIsolate.shortId(id),
                DockerIsolate.reason(e));
          }
        }
      });
    } catch (RejectedExecutionException e) {
      log.warn("app [{}]: cannot signal container [{}] now: {}", app, DockerIsolate.shortId(id), e.toString());
    }
  }
}
