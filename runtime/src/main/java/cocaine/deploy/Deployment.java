package cocaine.deploy;

import cocaine.client.Connection;
import cocaine.client.ServiceClient;
import cocaine.client.StorageClient;
import cocaine.model.InvalidModelException;
import cocaine.model.Manifest;
import cocaine.model.Profile;
import cocaine.model.Runlist;
import cocaine.node.isolate.docker.DockerOptions;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Header;
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
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deploy pipeline shared by the builder ({@code git push}) and {@code cocaine app deploy}: check
 * the source, build its {@code Dockerfile}, tag {@code <registry>/<app>:<version>}, push, store the
 * manifest and profile, (re)start the app on the node. Each step reports progress lines; a failed
 * step throws {@link DeployFailed} after undoing what was stored, so the previous version keeps
 * running and storage is as it was. The manifest is written only once the image is in the registry.
 * Every storage and node call carries the target's {@link CallerToken}.
 */
public final class Deployment {
  /** Optional file at the top of the source: {"manifest": {...}, "profile": {...}}. */
  public static final String SETTINGS_FILE = "cocaine.json";
  public static final String DOCKERFILE = "Dockerfile";
  private static final Set<String> SETTINGS_KEYS = Set.of("manifest", "profile");
  private static final int MAX_SETTINGS_BYTES = 1024 * 1024;
  static final List<String> APP_TAGS = List.of("app");
  static final List<String> PROFILE_TAGS = List.of("profile");
  static final List<String> RUNLIST_TAGS = List.of("runlist");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Logger log = LoggerFactory.getLogger(Deployment.class);

  /** What a finished deploy runs: {@code image} is {@code <registry>/<app>:<version>}. */
  public record Deployed(String app, String version, String image, Duration took) {}

  private final DeployTarget target;
  private final String app;
  private final String version;
  private final DeploySource source;
  private final Consumer<String> say;

  private Deployment(DeployTarget target, String app, String version, DeploySource source, Consumer<String> say) {
    this.target = target;
    this.app = app;
    this.version = version;
    this.source = source;
    this.say = say;
  }

  /**
   * Runs the whole pipeline for {@code app} at {@code version} (the image tag: a short commit id or
   * a time stamp); {@code say} gets one progress line at a time.
   *
   * @throws DeployFailed naming the step and the reason; nothing of this deploy is left running or stored
   */
  public static Deployed run(DeployTarget target, String app, String version, DeploySource source,
      Consumer<String> say) throws InterruptedException {
    long started = System.nanoTime();
    Deployment d = new Deployment(target, app, version, source, say);
    Deployed deployed = d.pipeline();
    return new Deployed(deployed.app(), deployed.version(), deployed.image(),
        Duration.ofNanos(System.nanoTime() - started));
  }

  private Deployed pipeline() throws InterruptedException {
    say.accept("check: " + source.describe() + " as app '" + app + "' version " + version);
    Plan plan = check();
    say.accept("build: " + plan.image() + " on the Docker daemon at " + target.dockerEndpoint());
    try (DockerDaemon docker = step("build", () -> DockerDaemon.connect(target.dockerEndpoint()))) {
      build(docker, plan.image());
      Map<String, Object> manifest = plan.manifest() != null ? plan.manifest() : defaultManifest(docker, plan.image());
      say.accept("push: " + plan.image());
      push(docker, plan.image());
      say.accept("store: manifest and profile '" + app + "'");
      Stored previous = store(manifest, plan.profile());
      say.accept("start: app '" + app + "' with profile '" + app + "'");
      start(previous);
      addToRunlist();
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

  /** What storage held before this deploy (null = nothing), to put back if the start fails. */
  private record Stored(byte[] manifest, byte[] profile) {}

  private Stored store(Map<String, Object> manifest, Map<String, Object> profile) {
    return step("store", () -> {
      try (StorageClient storage = storage()) {
        Stored previous = new Stored(readOrNull(storage, "manifests"), readOrNull(storage, "profiles"));
        storage.write("profiles", app, pack(profile), PROFILE_TAGS);
        storage.write("manifests", app, pack(manifest), APP_TAGS);
        return previous;
      }
    });
  }

  private void start(Stored previous) {
    List<Header> auth = target.token().headers();
    try (ServiceClient node = ServiceClient.connect(target.locatorHost(), target.locatorPort(), "node")) {
      boolean running = Values.asStrings(Connection.await(node.callWith("list", auth), target.callTimeout(),
          "node.list").get(0)).contains(app);
      if (running) {
        say.accept("start: stopping the running version of '" + app + "'");
        Connection.await(node.callWith("pause_app", auth, app), target.callTimeout(), "node.pause_app");
      }
      try {
        Connection.await(node.callWith("start_app", auth, app, app), target.startTimeout(), "node.start_app");
      } catch (CocaineException e) {
        restore(previous);
        if (running && previous.manifest() != null && previous.profile() != null) {
          say.accept("start: the new version did not start; starting the previous one again");
          try {
            Connection.await(node.callWith("start_app", auth, app, app), target.startTimeout(), "node.start_app");
          } catch (CocaineException again) {
            say.accept("start: the previous version did not start either: " + again.getMessage());
          }
        }
        throw new DeployFailed("start", e.getMessage());
      }
      say.accept("start: app '" + app + "' runs version " + version);
    } catch (IOException e) {
      restore(previous);
      throw new DeployFailed("start", "cannot reach the node service through the locator at "
          + target.locatorHost() + ":" + target.locatorPort() + ": " + e.getMessage());
    } catch (CocaineException e) {
      restore(previous);
      throw new DeployFailed("start", e.getMessage());
    }
  }

  private void restore(Stored previous) {
    try (StorageClient storage = storage()) {
      put(storage, "manifests", previous.manifest(), APP_TAGS);
      put(storage, "profiles", previous.profile(), PROFILE_TAGS);
      say.accept("store: manifest and profile of '" + app + "' put back as they were");
    } catch (IOException | RuntimeException e) {
      log.error("deploy of {} {}: cannot put back the previous manifest and profile: {}", app, version, e.toString());
      say.accept("store: cannot put back the previous manifest and profile: " + e.getMessage());
    }
  }

  private void put(StorageClient storage, String collection, byte[] blob, List<String> tags) {
    if (blob == null) {
      storage.remove(collection, app);
    } else {
      storage.write(collection, app, blob, tags);
    }
  }

  /** The runlist names the app so nodes start it at boot; a failure here leaves the app running. */
  @SuppressWarnings("unchecked")
  private void addToRunlist() {
    try (StorageClient storage = storage()) {
      byte[] blob = readOrNull(storage, "runlists", target.runlist());
      Map<String, Object> runlist = blob == null ? new LinkedHashMap<>() : new LinkedHashMap<>((Map<String, Object>) unpack(blob));
      if (!app.equals(runlist.get(app))) {
        runlist.put(app, app);
        Runlist.fromMap(target.runlist(), runlist);
        storage.write("runlists", target.runlist(), pack(runlist), RUNLIST_TAGS);
        say.accept("runlist: '" + app + "' added to runlist '" + target.runlist() + "'");
      }
    } catch (IOException | RuntimeException e) {
      say.accept("runlist: warning: app '" + app + "' runs but is not in runlist '" + target.runlist() + "': "
          + e.getMessage());
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

  private static Object unpack(byte[] blob) throws IOException {
    try (MessageUnpacker unpacker = MessagePack.newDefaultUnpacker(blob)) {
      return Values.toJava(unpacker.unpackValue());
    }
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
