package cocaine.node.isolate.docker;

import cocaine.node.isolate.Isolate;
import cocaine.node.isolate.OutputRing;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.transport.DockerHttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The docker isolate (ECOSYSTEM.md 3): spool pulls the app's image from the profile's registry (or
 * finds it on the daemon); each worker is a container of it running the manifest's {@code slave} with
 * the runtime's argv, the node's socket folder bind-mounted so the worker reaches its pipe, and labels
 * naming node, app and slot. The container's output goes into the worker's bounded output ring;
 * a worker that stops for any reason has its container removed. Blocking calls run on the given
 * executors. A worker's container is made from a {@link ContainerSpec} and followed by a
 * {@link ContainerWorker}; this class is the app's side: spool, spawn, and the clean-up at close.
 */
public final class DockerIsolate implements Isolate {
  /** Labels on every container, so a node finds (and removes) what it left behind. */
  public static final String NODE_LABEL = "cocaine.node";
  public static final String APP_LABEL = "cocaine.app";
  public static final String SLOT_LABEL = "cocaine.slot";
  private static final Duration PULL_TIMEOUT = Duration.ofMinutes(10);
  private static final Logger log = LoggerFactory.getLogger(DockerIsolate.class);

  private final String app;
  private final String slave;
  private final String node;
  private final DockerOptions options;
  private final Daemon daemon;
  private final CompletionStage<?> swept;
  private final OutputPolicy outputPolicy;
  private final Executor blocking;
  private final ExecutorService outputReaders;
  private final String image;
  /** Containers started and not yet removed; closing the isolate removes what is left. */
  private final Map<String, ContainerWorker> live = new ConcurrentHashMap<>();
  private volatile String executable;
  /** Where workers reach the node's locator from their network: its gateway; null keeps the node's own address. */
  private volatile String locatorHost;

  DockerIsolate(String app, String slave, String node, DockerOptions options, Daemon daemon, CompletionStage<?> swept,
      OutputPolicy outputPolicy, Executor blocking, ExecutorService outputReaders) {
    this.app = app;
    this.slave = slave;
    this.node = node;
    this.options = options;
    this.daemon = daemon;
    this.swept = swept;
    this.outputPolicy = outputPolicy;
    this.blocking = blocking;
    this.outputReaders = outputReaders;
    this.image = options.image(app);
  }

  /** The image this app's workers run: {@code [registry/][repository/]<app>:<tag>}. */
  public String image() {
    return image;
  }

  @Override
  public CompletionStage<Void> spool(Optional<byte[]> archive) {
    // the node's leftovers on this daemon go first: a new worker must never be taken for one
    return swept.handle((v, e) -> null).thenRunAsync(() -> prepare(archive), blocking);
  }

  private void prepare(Optional<byte[]> archive) {
    if (archive.isPresent()) {
      log.info("app [{}]: the docker isolate runs image [{}]; the stored archive apps/{} is not used", app, image, app);
    }
    try {
      daemon.api().pingCmd().exec();
    } catch (RuntimeException e) {
      throw new CocaineException(ErrorCode.SPOOL_ERROR, "app '" + app + "': cannot reach the Docker daemon at "
          + daemon.endpoint() + " (profile field 'isolate.args.endpoint'): " + reason(e));
    }
    if (options.registry().isPresent()) {
      pull();
    } else {
      log.warn("app [{}]: no registry in the profile (isolate.args.registry): image [{}] must already be on the"
          + " daemon", app, image);
    }
    InspectImageResponse inspected;
    try {
      inspected = daemon.api().inspectImageCmd(image).exec();
    } catch (NotFoundException e) {
      throw new CocaineException(ErrorCode.NOT_FOUND, "app '" + app + "': image '" + image + "' is not on the Docker"
          + " daemon at " + daemon.endpoint() + (options.registry().isPresent() ? ""
          : "; build it there, or set 'isolate.args.registry' in the profile to pull it"));
    } catch (RuntimeException e) {
      throw new CocaineException(ErrorCode.SPOOL_ERROR, "app '" + app + "': cannot inspect image '" + image + "': "
          + reason(e));
    }
    String workDir = inspected.getConfig() == null || inspected.getConfig().getWorkingDir() == null
        || inspected.getConfig().getWorkingDir().isBlank() ? "/" : inspected.getConfig().getWorkingDir();
    // a relative slave is the manifest's path inside the app folder: the image's working directory
    executable = slave.startsWith("/") ? slave : Path.of(workDir).resolve(slave).normalize().toString();
    log.info("app [{}]: image [{}] ready, workers run [{}]", app, image, executable);
    locatorHost = gateway();
  }

  /** The gateway of the containers' network, the node's address there; null for host networking or when unknown. */
  private String gateway() {
    String network = options.networkMode();
    if (network.equals("host") || network.equals("none") || network.startsWith("container:")) {
      return null;
    }
    try {
      var ipam = daemon.api().inspectNetworkCmd().withNetworkId(network).exec().getIpam();
      String gateway = ipam == null || ipam.getConfig() == null ? null : ipam.getConfig().stream()
          .map(c -> LocatorRoute.gatewayOf(c.getGateway(), c.getSubnet())).filter(g -> g != null).findFirst()
          .orElse(null);
      if (gateway == null) {
        log.warn("app [{}]: network [{}] has no IPv4 gateway: workers get the node's own --locator", app, network);
      } else {
        log.info("app [{}]: workers on network [{}] reach the locator through its gateway [{}]", app, network, gateway);
      }
      return gateway;
    } catch (RuntimeException e) {
      log.warn("app [{}]: cannot inspect network [{}] ({}): workers get the node's own --locator", app, network,
          reason(e));
      return null;
    }
  }

  private void pull() {
    int colon = image.lastIndexOf(':');
    String repository = image.substring(0, colon);
    String tag = image.substring(colon + 1);
    log.info("app [{}]: pulling image [{}]", app, image);
    PullProgress progress = new PullProgress(app, image);
    try {
      boolean done = daemon.api().pullImageCmd(repository).withTag(tag).exec(progress)
          .awaitCompletion(PULL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (!done) {
        progress.closeQuietly();
        throw new CocaineException(ErrorCode.SPOOL_ERROR, "app '" + app + "': pulling image '" + image
            + "' took longer than " + PULL_TIMEOUT.toMinutes() + " min");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CocaineException(ErrorCode.SPOOL_ERROR, "app '" + app + "': interrupted while pulling " + image);
    } catch (CocaineException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new CocaineException(ErrorCode.SPOOL_ERROR, "app '" + app + "': cannot pull image '" + image + "' from "
          + options.registry().get() + ": " + reason(e));
    }
    if (progress.error() != null) {
      throw new CocaineException(ErrorCode.SPOOL_ERROR, "app '" + app + "': cannot pull image '" + image + "' from "
          + options.registry().get() + ": " + progress.error());
    }
    log.info("app [{}]: pulled image [{}]", app, image);
  }

  @Override
  public CompletionStage<Worker> spawn(SortedMap<String, String> args, Map<String, String> env) {
    return CompletableFuture.supplyAsync(() -> start(args, env), blocking);
  }

  private Worker start(SortedMap<String, String> args, Map<String, String> env) {
    String exe = executable;
    if (exe == null) {
      throw new IllegalStateException("spawn before spool");
    }
    String uuid = args.getOrDefault("uuid", "");
    String id = create(exe, args, env, uuid);
    OutputRing ring = new OutputRing(outputPolicy.lines(), outputPolicy.maxLineBytes(),
        outputPolicy.log() ? line -> log.info("app [{}] worker [{}]: {}", app, uuid, line) : line -> {});
    ContainerWorker worker = new ContainerWorker(app, id, uuid, ring, daemon, options.killTimeout(), blocking, w -> {
      removeQuietly(w.id);
      live.remove(w.id);
    });
    DockerHttpClient.Response attached;
    try {
      // before the start: output written at once is not lost, and a quick exit ends the stream
      attached = daemon.attach(id);
    } catch (RuntimeException e) {
      removeQuietly(id);
      throw new CocaineException(ErrorCode.SPOOL_ERROR, "app '" + app + "': cannot attach to the output of container "
          + shortId(id) + ": " + reason(e));
    }
    try {
      outputReaders.execute(() -> worker.watch(attached));
    } catch (RejectedExecutionException e) {
      attached.close();
      removeQuietly(id);
      throw new CocaineException(ErrorCode.RESOURCE, "app '" + app + "': too many live workers on this node to read"
          + " one more worker's output");
    }
    live.put(id, worker);
    try {
      daemon.api().startContainerCmd(id).exec();
    } catch (RuntimeException e) {
      attached.close(); // the watcher then removes the container
      throw new CocaineException(ErrorCode.SPOOL_ERROR, "app '" + app + "': cannot start a container of image '"
          + image + "' running '" + exe + "': " + reason(e));
    }
    try {
      Long pid = daemon.api().inspectContainerCmd(id).exec().getState().getPidLong();
      worker.pid = pid == null ? 0 : pid;
    } catch (RuntimeException e) {
      log.debug("app [{}]: cannot read the pid of container [{}]: {}", app, shortId(id), reason(e));
    }
    log.debug("app [{}]: worker [{}] runs in container [{}] (pid {})", app, uuid, shortId(id), worker.pid);
    return worker;
  }

  private String create(String exe, SortedMap<String, String> args, Map<String, String> env, String uuid) {
    ContainerSpec spec = ContainerSpec.of(options, exe, LocatorRoute.forContainer(args, locatorHost));
    try {
      return daemon.api().createContainerCmd(image)
          .withCmd(spec.cmd())
          .withEnv(env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList())
          .withLabels(Map.of(NODE_LABEL, node, APP_LABEL, app, SLOT_LABEL, uuid))
          .withAttachStdout(true)
          .withAttachStderr(true)
          .withAttachStdin(false)
          .withTty(false)
          .withHostConfig(spec.host())
          .exec()
          .getId();
    } catch (NotFoundException e) {
      throw new CocaineException(ErrorCode.NOT_FOUND, "app '" + app + "': image '" + image + "' is gone from the"
          + " Docker daemon at " + daemon.endpoint() + ": " + reason(e));
    } catch (RuntimeException e) {
      throw new CocaineException(ErrorCode.SPOOL_ERROR, "app '" + app + "': cannot create a container of image '"
          + image + "': " + reason(e));
    }
  }

  /** Removes every container still there (workers the engine did not stop); never fails. */
  @Override
  public void close() {
    for (ContainerWorker w : List.copyOf(live.values())) {
      log.warn("app [{}]: container [{}] of worker [{}] still there at app stop: removing it", app, shortId(w.id),
          w.uuid);
      removeQuietly(w.id);
    }
    daemon.close();
  }

  private void removeQuietly(String id) {
    try {
      daemon.api().removeContainerCmd(id).withForce(true).withRemoveVolumes(false).exec();
    } catch (NotFoundException e) {
      // already gone
    } catch (RuntimeException e) {
      log.warn("app [{}]: cannot remove container [{}]: {}", app, shortId(id), reason(e));
    }
  }

  static String shortId(String id) {
    return id.length() > 12 ? id.substring(0, 12) : id;
  }

  /** Docker's own message from a failed call, without the HTTP noise around it. */
  public static String reason(Throwable e) {
    Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    String message = t.getMessage() == null ? t.toString() : t.getMessage();
    if (t instanceof DockerException) {
      // docker-java puts the daemon's JSON body in the message: {"message":"..."}
      var m = java.util.regex.Pattern.compile("\"message\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(message);
      if (m.find()) {
        return m.group(1).replace("\\\"", "\"");
      }
    }
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root == t ? message.strip() : message.strip() + " (" + root + ")";
  }
}
