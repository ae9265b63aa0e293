package cocaine.node.isolate.docker;

import cocaine.node.isolate.Isolate;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node as a Docker user: makes the apps' docker isolates and, once per daemon, removes the
 * containers an earlier run of this node left behind (found by the {@code cocaine.node} label, whose
 * value is the node's socket folder: unique per node on a host, and the same across its restarts).
 */
public final class DockerNode {
  /** Isolate types this class serves. */
  public static final List<String> TYPES = List.of("docker");
  private static final Logger log = LoggerFactory.getLogger(DockerNode.class);

  private final String node;
  private final DockerPolicy policy;
  private final int maxWorkers;
  private final Executor blocking;
  private final ExecutorService outputReaders;
  private final ConcurrentMap<URI, CompletableFuture<Integer>> swept = new ConcurrentHashMap<>();

  private DockerNode(String node, DockerPolicy policy, int maxWorkers, Executor blocking,
      ExecutorService outputReaders) {
    this.node = node;
    this.policy = policy;
    this.maxWorkers = maxWorkers;
    this.blocking = blocking;
    this.outputReaders = outputReaders;
  }

  /**
   * This node under {@link DockerPolicy#NONE}: profiles may ask for nothing escalating.
   *
   * @param runtimeDir the node's socket folder ({@code paths.runtime}); names the node in labels
   * @param maxWorkers live workers on this node at most
   * @param blocking runs the Docker calls
   * @param outputReaders one thread per running worker reads its container's output (shared with the
   *     process isolate, so both count against one bound)
   */
  public static DockerNode create(Path runtimeDir, int maxWorkers, Executor blocking, ExecutorService outputReaders) {
    return create(runtimeDir, DockerPolicy.NONE, maxWorkers, blocking, outputReaders);
  }

  /** Like {@link #create(Path, int, Executor, ExecutorService)}; profiles may ask for what {@code policy} allows. */
  public static DockerNode create(Path runtimeDir, DockerPolicy policy, int maxWorkers, Executor blocking,
      ExecutorService outputReaders) {
    return new DockerNode(runtimeDir.toAbsolutePath().normalize().toString(), policy, maxWorkers, blocking,
        outputReaders);
  }

  /** The {@code cocaine.node} label value of this node's containers. */
  public String label() {
    return node;
  }

  /**
   * Makes docker isolates; profile args as in {@link DockerOptions}, refused with {@code [9, 3]} where they
   * ask for more than the node's {@link DockerPolicy} allows, before any connection to a daemon.
   */
  public Isolate.Factory factory() {
    return (app, slave, type, args, output) -> {
      if (!TYPES.contains(type)) {
        throw new CocaineException(ErrorCode.INVALID, "profile field 'isolate.type': unsupported isolate '" + type
            + "' (expected: " + String.join(", ", TYPES) + ")");
      }
      DockerOptions options = DockerOptions.parse(args);
      policy.check(app, options);
      options.image(app); // refuses an app name that cannot be an image name, before any connection
      Daemon daemon = Daemon.connect(options.endpoint(), maxWorkers, options.killTimeout());
      return new DockerIsolate(app, slave, node, options, daemon, sweep(options.endpoint()), output, blocking,
          outputReaders);
    };
  }

  /**
   * Removes this node's leftover containers on the daemon at {@code endpoint}, once per daemon for the
   * node's life; completes with how many were removed (0 when the daemon cannot be reached; the next
   * call then tries again).
   */
  public CompletionStage<Integer> sweep(URI endpoint) {
    CompletableFuture<Integer> sweep = swept.computeIfAbsent(endpoint,
        e -> CompletableFuture.supplyAsync(() -> removeLeftovers(e), blocking));
    // a daemon that could not be reached is swept again by the next app that uses it
    sweep.thenAccept(n -> {
      if (n < 0) {
        swept.remove(endpoint, sweep);
      }
    });
    return sweep.thenApply(n -> Math.max(0, n));
  }

  /**
   * At node start: sweeps the default daemon when its socket is there, so containers of a crashed run
   * go away even when no docker app starts again.
   */
  public CompletionStage<Integer> sweepDefault() {
    URI endpoint = URI.create(DockerOptions.DEFAULT_ENDPOINT);
    if (!Files.exists(Path.of(endpoint.getPath()))) {
      return CompletableFuture.completedFuture(0);
    }
    return sweep(endpoint);
  }

  /** How many containers were removed; -1 when the daemon cannot be reached. */
  private int removeLeftovers(URI endpoint) {
    try (Daemon daemon = Daemon.connect(endpoint, 1, Duration.ZERO)) {
      List<Container> leftovers = daemon.api().listContainersCmd().withShowAll(true)
          .withLabelFilter(Map.of(DockerIsolate.NODE_LABEL, node)).exec();
      int removed = 0;
      for (Container c : leftovers) {
        try {
          daemon.api().removeContainerCmd(c.getId()).withForce(true).exec();
          removed++;
        } catch (NotFoundException e) {
          // went away meanwhile
        } catch (RuntimeException e) {
          log.warn("cannot remove container [{}] this node left on [{}]: {}", DockerIsolate.shortId(c.getId()),
              endpoint, DockerIsolate.reason(e));
        }
      }
      if (removed > 0) {
        log.info("removed {} container(s) an earlier run of this node ({}={}) left on [{}]", removed,
            DockerIsolate.NODE_LABEL, node, endpoint);
      }
      return removed;
    } catch (RuntimeException e) {
      log.debug("no sweep of leftover containers on [{}]: {}", endpoint, DockerIsolate.reason(e));
      return -1;
    }
  }
}
