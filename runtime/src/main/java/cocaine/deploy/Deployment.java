package cocaine.deploy;

import cocaine.client.ServiceClient;
import cocaine.client.StorageClient;
import cocaine.cluster.desired.AppVersion;
import cocaine.cluster.desired.DesiredApp;
import cocaine.model.InvalidModelException;
import cocaine.model.Manifest;
import cocaine.model.Profile;
import cocaine.node.isolate.docker.DockerOptions;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Values;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.BuildResponseItem;
import com.github.dockerjava.api.model.PushResponseItem;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deploy pipeline shared by the builder ({@code git push}) and {@code cocaine app deploy}: check
 * the source, build its {@code Dockerfile}, tag {@code <registry>/<app>:<version>}, push, store the
 * version's profile, release the version through {@link Releases} (so the cluster's desired state
 * names it and every node converges to it), then wait until the nodes report it running
 * ({@link Rollout}). Each step reports progress lines; a failed step throws {@link DeployFailed}
 * after putting the previous desired state back, so the previous version runs again. The manifest
 * is written only once the image is in the registry. Every storage call carries the target's
 * {@link CallerToken}.
 */
public final class Deployment {
  /** Optional file at the top of the source: {"manifest": {...}, "profile": {...}}. */
  public static final String SETTINGS_FILE = "cocaine.json";
  public static final String DOCKERFILE = "Dockerfile";
  private static final Set<String> SETTINGS_KEYS = Set.of("manifest", "profile");
  private static final int MAX_SETTINGS_BYTES = 1024 * 1024;
  static final List<String> APP_TAGS = List.of("app");
  static final List<String> PROFILE_TAGS = List.of("profile");
  /** How often a deploy re-reads the nodes' reports while it waits. */
  /** How long after writing its lease a deploy reads it back: far longer than a storage write takes. */
  private static final Duration LEASE_SETTLE = Duration.ofSeconds(1);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Logger log = LoggerFactory.getLogger(Deployment.class);

  /** What a finished deploy runs: {@code image} is {@code <registry>/<app>:<version>}. */
  public record Deployed(String app, String version, String image, Duration took) {}

  private final DeployTarget target;
  private final String app;
  private final String version;
  private final DeploySource source;
  private final Consumer<String> say;
  private final String by;
  private final int canary;

  private Deployment(DeployTarget target, String app, String version, DeploySource source, Consumer<String> say,
      String by, int canary) {
    this.canary = canary;
    this.target = target;
    this.app = app;
    this.version = version;
    this.source = source;
    this.say = say;
    this.by = by;
  }

  /**
   * Runs the whole pipeline for {@code app} at {@code version} (the image tag: a short commit id or
   * a time stamp); {@code say} gets one progress line at a time; {@code by} names who deploys in the
   * version record (a key's or a token's fingerprint).
   *
   * @throws DeployFailed naming the step and the reason; the previous version is the desired one again
   */
  public static Deployed run(DeployTarget target, String app, String version, DeploySource source,
      Consumer<String> say, String by) throws InterruptedException {
    return run(target, app, version, source, say, by, 0);
  }

  /**
   * Like the other {@code run}; with {@code canary} above 0 the new version runs as a canary at that
   * percent of the new channels beside the desired one ({@code cocaine app promote} or {@code rollback} ends it).
   */
  public static Deployed run(DeployTarget target, String app, String version, DeploySource source,
      Consumer<String> say, String by, int canary) throws InterruptedException {
    long started = System.nanoTime();
    Deployment d = new Deployment(target, app, version, source, say, by, canary);
    Deployed deployed = d.pipeline();
    return new Deployed(deployed.app(), deployed.version(), deployed.image(),
        Duration.ofNanos(System.nanoTime() - started));
  }

  private Deployed pipeline() throws InterruptedException {
    say.accept("check: " + source.describe() + " as app '" + app + "' version " + version);
    Plan plan = check();
    // held at most through a build, a push and the wait for the nodes, and a few calls
    Duration ttl = target.buildTimeout().multipliedBy(2).plus(target.startTimeout())
        .plus(target.callTimeout().multipliedBy(8));
    try (DeployLease lease = step("lease", () -> DeployLease.acquire(DeployLease.Records.of(this::storage), app, by,
            ttl, LEASE_SETTLE, Clock.systemUTC()));
        DockerDaemon docker = step("build", () -> DockerDaemon.connect(target.dockerEndpoint()))) {
      say.accept("lease: '" + app + "' is ours until " + lease.holder().expires() + " at the latest");
      say.accept("build: " + plan.image() + " on the Docker daemon at " + target.dockerEndpoint());
      build(docker, plan.image());
      Map<String, Object> manifest = plan.manifest() != null ? plan.manifest() : defaultManifest(docker, plan.image());
      say.accept("push: " + plan.image());
      push(docker, plan.image());
      String profile = app + "@" + version;
      say.accept("store: profile '" + profile + "' and the version record of '" + app + "'");
      try (StorageClient storage = step("store", this::storage)) {
        Releases releases = new Releases(storage, by, Clock.systemUTC());
        Stored previous = step("store", () -> store(storage, releases, profile, plan.profile()));
        AppVersion released = step("store", () -> releases.release(app, manifest, null, plan.image(), profile,
            version, canary));
        say.accept("release: '" + app + "' version " + released.number() + " (" + plan.image() + ") is the cluster's"
            + (canary > 0 ? " canary at " + canary + "% beside version " + previous.desired().map(DesiredApp::version)
            .orElse("?") : " desired state" + previous.desired().map(d -> ", replacing version " + d.version())
            .orElse("")));
        awaitRunning(storage, releases, released, previous);
      }
      return new Deployed(app, version, plan.image(), Duration.ZERO);
    }
  }

  /** The checked inputs: image name, manifest (null = from the image), profile. */
  private record Plan(String image, Map<String, Object> manifest, Map<String, Object> profile) {}

  private Plan check() {
    return step("check", () -> {
      if (source.file(DOCKERFILE, MAX_SETTINGS_BYTES).isEmpty()) {
        throw new DeployFailed("check", "no " + DOCKERFILE + " at the top of " + source.describe()
            + ": add one (FROM your base image, COPY the app) and deploy again");
      }
      Map<String, Object> settings = source.file(SETTINGS_FILE, MAX_SETTINGS_BYTES)
          .map(bytes -> object(SETTINGS_FILE, bytes)).orElse(Map.of());
      Set<String> unknown = new TreeSet<>(settings.keySet());
      unknown.removeAll(SETTINGS_KEYS);
      if (!unknown.isEmpty()) {
        throw new DeployFailed("check", SETTINGS_FILE + " has unknown keys " + unknown
            + " (it may have \"manifest\" and \"profile\")");
      }
      Map<String, Object> manifest = section(settings, "manifest");
      if (manifest != null) {
        Manifest.fromMap(app, manifest);
      }
      Map<String, Object> profile = profile(section(settings, "profile"));
      Profile.Read read = Profile.read(app, profile);
      read.warnings().forEach(w -> say.accept("check: warning: " + w));
      String image = DockerOptions.parse(read.profile().isolate().args()).image(app);
      return new Plan(image, manifest, profile);
    });
  }

  /** The user's profile (or defaults) with the docker isolate pointed at this version's image. */
  @SuppressWarnings("unchecked")
  private Map<String, Object> profile(Map<String, Object> given) {
    Map<String, Object> profile = new LinkedHashMap<>(given == null ? Map.of() : given);
    Map<String, Object> isolate = new LinkedHashMap<>();
    Map<String, Object> args = new LinkedHashMap<>();
    if (profile.get("isolate") instanceof Map<?, ?> i) {
      if (i.get("type") != null && !Profile.Isolate.DOCKER.equals(i.get("type"))) {
        throw new DeployFailed("check", SETTINGS_FILE + ": profile.isolate.type must be docker (or left out) for a"
            + " deployed image, got '" + i.get("type") + "'");
      }
      if (i.get("args") instanceof Map<?, ?> a) {
        args.putAll((Map<String, Object>) a);
      }
    }
    args.put("registry", target.registry());
    args.put("tag", version);
    args.remove("repository"); // the builder pushes <registry>/<app>:<version>
    isolate.put("type", Profile.Isolate.DOCKER);
    isolate.put("args", args);
    profile.put("isolate", isolate);
    return profile;
  }

  private void build(DockerDaemon docker, String image) throws InterruptedException {
    Path context = step("build", () -> Files.createTempFile("cocaine-deploy-" + app + "-", ".tar"));
    try {
      step("build", () -> {
        try (OutputStream out = Files.newOutputStream(context)) {
          source.writeTar(out);
        }
        return null;
      });
      say.accept("build: context " + Files.size(context) / 1024 + " KiB");
      try (InputStream in = Files.newInputStream(context)) {
        DockerProgress<BuildResponseItem> progress = new DockerProgress<>(say, "");
        docker.api().buildImageCmd().withTarInputStream(in).withTags(Set.of(image)).withPull(false)
            .withRemove(true).withForcerm(true).exec(progress);
        progress.await("building " + image, target.buildTimeout());
      }
    } catch (CocaineException e) {
      throw new DeployFailed("build", e.getMessage());
    } catch (IOException e) {
      throw new DeployFailed("build", "cannot pack the build context: " + e.getMessage());
    } finally {
      try {
        Files.deleteIfExists(context);
      } catch (IOException e) {
        log.warn("cannot remove build context {}: {}", context, e.toString());
      }
    }
  }

  /** Without a manifest in {@value #SETTINGS_FILE}: the image's own entrypoint (or command) as the slave. */
  private Map<String, Object> defaultManifest(DockerDaemon docker, String image) {
    InspectImageResponse inspected = step("manifest", () -> docker.api().inspectImageCmd(image).exec());
    Map<String, Object> manifest = defaultManifest(inspected, image, "add {\"manifest\": {\"slave\": \"/path/in/image\"}}"
        + " to " + SETTINGS_FILE);
    say.accept("manifest: slave " + manifest.get("slave") + " (the image's entrypoint)");
    return manifest;
  }

  /** A manifest whose slave is the image's single-executable ENTRYPOINT or CMD; {@code hint} says what else to do. */
  public static Map<String, Object> defaultManifest(InspectImageResponse image, String name, String hint) {
    var c = image.getConfig();
    String[] entry = c == null ? null : c.getEntrypoint() != null && c.getEntrypoint().length > 0 ? c.getEntrypoint()
        : c.getCmd();
    if (entry == null || entry.length != 1 || entry[0].isBlank()) {
      throw new DeployFailed("manifest", "image " + name + " has no single-executable ENTRYPOINT or CMD"
          + (entry == null ? "" : " (it has " + List.of(entry) + ")") + "; " + hint);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("slave", entry[0]);
    return m;
  }

  private void push(DockerDaemon docker, String image) throws InterruptedException {
    int colon = image.lastIndexOf(':');
    DockerProgress<PushResponseItem> progress = new DockerProgress<>(say, "push");
    try {
      docker.api().pushImageCmd(image.substring(0, colon)).withTag(image.substring(colon + 1))
          .withAuthConfig(new AuthConfig()).exec(progress);
      progress.await("pushing " + image + " to " + target.registry(), target.buildTimeout());
    } catch (CocaineException e) {
      throw new DeployFailed("push", e.getMessage());
    } catch (RuntimeException e) {
      throw new DeployFailed("push", e.toString());
    }
  }

  /** What storage held before this deploy (null = nothing), to put back if the version never runs. */
  private record Stored(byte[] manifest, Optional<DesiredApp> desired) {}

  private Stored store(StorageClient storage, Releases releases, String profileName, Map<String, Object> profile) {
    Stored previous = new Stored(readOrNull(storage, "manifests"), releases.desired(app));
    storage.write("profiles", profileName, pack(profile), PROFILE_TAGS);
    return previous;
  }

  /**
   * Waits until {@code released} runs on every live node that should run it ({@link RolloutWatch});
   * a node that cannot run it, or no node running it within the start timeout, puts the previous
   * desired state back, marks the version failed and fails the deploy.
   */
  private void awaitRunning(StorageClient storage, Releases releases, AppVersion released, Stored previous)
      throws InterruptedException {
    String label = releases.desired(app).map(DesiredApp::label).orElse(String.valueOf(released.number()));
    List<String> nodes = new RolloutWatch(storage, releases, app, released.number(), label,
        () -> putBack(storage, releases, previous), target.startTimeout(), target.nodeGone(), say).await();
    say.accept("start: app '" + app + "' runs version " + version + " (release " + label + ") on "
        + String.join(", ", nodes));
  }

  /** The desired state and manifest as they were before this deploy: the nodes converge back to them. */
  private void putBack(StorageClient storage, Releases releases, Stored previous) {
    try {
      releases.restore(app, previous.desired());
      if (previous.manifest() == null) {
        storage.remove("manifests", app);
      } else {
        storage.write("manifests", app, previous.manifest(), APP_TAGS);
      }
      say.accept(previous.desired().map(d -> "start: back to version " + d.version() + " on the cluster")
          .orElse("start: the app's desired state is removed again"));
    } catch (RuntimeException e) {
      log.error("deploy of {} {}: cannot put back the previous desired state: {}", app, version, e.toString());
      say.accept("start: cannot put back the previous desired state: " + e.getMessage());
    }
  }

  private StorageClient storage() throws IOException {
    return new StorageClient(ServiceClient.connect(target.locatorHost(), target.locatorPort(), "storage"),
        target.callTimeout(), target.token().headers());
  }

  private byte[] readOrNull(StorageClient storage, String collection) {
    return readOrNull(storage, collection, app);
  }

  private static byte[] readOrNull(StorageClient storage, String collection, String key) {
    try {
      return storage.read(collection, key);
    } catch (CocaineException e) {
      if (e.code().equals(ErrorCode.NOT_FOUND)) {
        return null;
      }
      throw e;
    }
  }

  private static byte[] pack(Object value) {
    return FrameEncoder.encodeValue(Values.fromJava(value));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> object(String what, byte[] bytes) {
    try {
      Object parsed = JSON.readValue(bytes, Object.class);
      if (!(parsed instanceof Map)) {
        throw new DeployFailed("check", what + " must be a JSON object");
      }
      return (Map<String, Object>) parsed;
    } catch (JsonProcessingException e) {
      throw new DeployFailed("check", what + " is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new DeployFailed("check", "cannot read " + what + ": " + e.getMessage());
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> section(Map<String, Object> settings, String key) {
    Object v = settings.get(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Map)) {
      throw new DeployFailed("check", SETTINGS_FILE + ": \"" + key + "\" must be a JSON object");
    }
    return (Map<String, Object>) v;
  }

  /** Something a step does that may fail in any of the usual ways. */
  private interface Work<T> {
    T run() throws IOException, InterruptedException;
  }

  /** Runs {@code work}; a failure becomes {@link DeployFailed} of {@code step} with a reason a person can act on. */
  private static <T> T step(String step, Work<T> work) {
    try {
      return work.run();
    } catch (DeployFailed e) {
      throw e;
    } catch (CocaineException | InvalidModelException e) {
      throw new DeployFailed(step, e.getMessage());
    } catch (IOException e) {
      throw new DeployFailed(step, e.getMessage() == null ? e.toString() : e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DeployFailed(step, "interrupted (the builder is stopping)");
    } catch (RuntimeException e) {
      log.error("deploy step {} failed", step, e);
      throw new DeployFailed(step, e.toString());
    }
  }
}
