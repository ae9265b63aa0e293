package cocaine.deploy;

import cocaine.client.StorageClient;
import cocaine.cluster.desired.AppVersion;
import cocaine.cluster.desired.DesiredApp;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Values;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An app's versions and the cluster's desired state of it, kept through the storage service: a
 * release records an immutable version (with a copy of the archive), makes it current (its manifest
 * and archive become {@code manifests/<app>} and {@code apps/<app>}) and sets {@code desired/<app>},
 * which every node follows. Deploys, {@code rollback} and the {@code --cluster} verbs all go through here.
 */
public final class Releases {
  private static final List<String> APP_TAGS = List.of("app");

  private static final Logger log = LoggerFactory.getLogger(Releases.class);

  private final StorageClient storage;
  private final String by;
  private final Clock clock;

  /** {@code by} names who acts in the version records (see {@link CallerToken#fingerprint()}). */
  public Releases(StorageClient storage, String by, Clock clock) {
    this.storage = storage;
    this.by = by;
    this.clock = clock;
  }

  /**
   * Records the next version of {@code app} and makes it current on every node it is wanted on.
   *
   * @param archive the app's archive (process isolate) or null (an image, or a manifest-only app)
   * @param image   the image it runs, when it runs one, else empty
   */
  public AppVersion release(String app, Map<String, Object> manifest, byte[] archive, String image, String profile,
      String commit) {
    return release(app, manifest, archive, image, profile, commit, 0);
  }

  /**
   * Like the other {@code release}; with {@code canaryPercent} above 0 the new version runs as a
   * canary beside the desired one, at that percent of the new channels on every node, until
   * {@link #promote} or {@link #rollback}. The current objects ({@code manifests/<app>}, {@code apps/<app>})
   * stay the desired version's then.
   *
   * @throws IllegalArgumentException a canary of an app that does not run on the cluster, or a percent
   *     outside 1..99
   */
  public AppVersion release(String app, Map<String, Object> manifest, byte[] archive, String image, String profile,
      String commit, int canaryPercent) {
    return release(app, manifest, archive, image, profile, commit, canaryPercent, Optional.empty());
  }

  private AppVersion release(String app, Map<String, Object> manifest, byte[] archive, String image, String profile,
      String commit, int canaryPercent, Optional<List<String>> nodes) {
    Optional<DesiredApp> current = canaryPercent == 0 ? Optional.empty() : desired(app);
    if (canaryPercent != 0 && (canaryPercent < 1 || canaryPercent > 99)) {
      throw new IllegalArgumentException("--canary must be a percent of 1..99, got " + canaryPercent);
    }
    if (canaryPercent != 0 && current.filter(DesiredApp::running).isEmpty()) {
      throw new IllegalArgumentException("app '" + app + "' does not run on the cluster, so a canary has no version"
          + " to run beside: deploy it without --canary first");
    }
    History history = history(app);
    // an unreadable record keeps its number: the next version never overwrites it
    long number = Math.max(history.versions().stream().mapToLong(AppVersion::number).max().orElse(0),
        history.unreadable().keySet().stream().mapToLong(Long::longValue).max().orElse(0)) + 1;
    String source = archive != null ? "sha256:" + sha256(archive) : image.isEmpty() ? "manifest only" : image;
    AppVersion v = new AppVersion(app, number, source, manifest, profile, commit, clock.instant().toString(), by);
    if (archive != null) {
      storage.write("apps", v.key(), FrameEncoder.encodeValue(Values.bytes(archive)), APP_TAGS);
    }
    storage.write(AppVersion.COLLECTION, v.key(), v.pack(), AppVersion.tags(app));
    if (canaryPercent == 0) {
      activate(v, nodes);
    } else {
      write(current.get().withCanary(String.valueOf(v.number()), canaryPercent, profile));
    }
    return v;
  }

  /**
   * Makes the app's canary its only version: the desired one drains on every node.
   *
   * @throws CocaineException {@code [12, 2]} when the app has no canary
   */
  public AppVersion promote(String app) {
    DesiredApp d = desired(app).filter(x -> x.canary() != null).orElseThrow(() -> new CocaineException(
        ErrorCode.NOT_FOUND, "app '" + app + "' has no canary to promote (deploy one with --canary PERCENT)"));
    long number = parse(app, d.canary().version());
    AppVersion v = versions(app).stream().filter(x -> x.number() == number).findFirst()
        .orElseThrow(() -> new CocaineException(ErrorCode.NOT_FOUND, "app '" + app + "': its canary, version "
            + number + ", has no record"));
    activate(v);
    return v;
  }

  /** Marks version {@code number} of {@code app} failed with {@code reason} (shown by {@code app versions}). */
  public void markFailed(String app, long number, String reason) {
    versions(app).stream().filter(v -> v.number() == number).findFirst().ifPresent(v ->
        storage.write(AppVersion.COLLECTION, v.key(), v.failed(reason).pack(), AppVersion.tags(app)));
  }

  /**
   * An app's recorded versions, oldest first, and the records that do not parse: by the number in
   * their key ({@code <app>@<n>}, 0 when the key has none), why each is unusable.
   */
  public record History(List<AppVersion> versions, Map<Long, String> unreadable) {}

  /** Every version of {@code app} that parses, oldest first. */
  public List<AppVersion> versions(String app) {
    return history(app).versions();
  }

  /** Every version of {@code app}; a record that does not parse is set aside with its reason, logged once. */
  public History history(String app) {
    List<AppVersion> out = new ArrayList<>();
    Map<Long, String> unreadable = new TreeMap<>();
    for (String key : storage.find(AppVersion.COLLECTION, AppVersion.tags(app))) {
      try {
        out.add(AppVersion.unpack(app, key, storage.read(AppVersion.COLLECTION, key)));
      } catch (IllegalArgumentException e) {
        log.warn("app {}: {}", app, e.getMessage());
        unreadable.put(numberOf(app, key), e.getMessage());
      }
    }
    out.sort(Comparator.comparingLong(AppVersion::number));
    return new History(out, unreadable);
  }

  private static long numberOf(String app, String key) {
    try {
      return key.startsWith(app + "@") ? Long.parseLong(key.substring(app.length() + 1)) : 0;
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** The app's desired state, empty when it has none. */
  public Optional<DesiredApp> desired(String app) {
    try {
      return Optional.of(DesiredApp.unpack(app, storage.read(DesiredApp.COLLECTION, app)));
    } catch (CocaineException e) {
      if (e.code().equals(ErrorCode.NOT_FOUND)) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /**
   * Makes version {@code number} (or, when empty, the one before the current, failed ones left
   * out) current again. Without a number, an app with a canary only drops the canary.
   *
   * @throws CocaineException {@code [12, 2]} naming what is missing: the version, or its archive copy
   */
  public AppVersion rollback(String app, Optional<Long> number) {
    Optional<DesiredApp> withCanary = desired(app).filter(d -> d.canary() != null);
    if (number.isEmpty() && withCanary.isPresent()) {
      DesiredApp d = withCanary.get();
      write(d.atVersion(d.version(), d.profile()));
      long stable = parse(app, d.version());
      return versions(app).stream().filter(v -> v.number() == stable).findFirst()
          .orElseThrow(() -> new CocaineException(ErrorCode.NOT_FOUND, "app '" + app + "' has no version " + stable));
    }
    History history = history(app);
    List<AppVersion> all = history.versions();
    if (number.isPresent() && history.unreadable().containsKey(number.get())) {
      throw new CocaineException(ErrorCode.INVALID, "app '" + app + "' cannot roll back to version " + number.get()
          + ": " + history.unreadable().get(number.get()));
    }
    if (all.isEmpty()) {
      throw new CocaineException(ErrorCode.NOT_FOUND, "app '" + app + "' has no recorded versions");
    }
    long target;
    if (number.isPresent()) {
      target = number.get();
    } else {
      long current = desired(app).map(d -> parse(app, d.version())).orElse(all.get(all.size() - 1).number());
      target = all.stream().filter(v -> !v.isFailed()).mapToLong(AppVersion::number).filter(n -> n < current).max()
          .orElseThrow(() -> new CocaineException(ErrorCode.NOT_FOUND, "app '" + app + "' has no version before "
              + current + " to roll back to"));
    }
    AppVersion v = all.stream().filter(x -> x.number() == target).findFirst()
        .orElseThrow(() -> new CocaineException(ErrorCode.NOT_FOUND, "app '" + app + "' has no version " + target
            + "; `cocaine app versions " + app + "` lists them"));
    activate(v);
    return v;
  }

  /**
   * Runs or stops {@code app} on every node. Starting an app without a desired state records its
   * stored manifest and archive as a version first, with {@code profile}.
   */
  public DesiredApp setRunning(String app, boolean running, String profile) {
    return setRunning(app, running, profile, Optional.empty());
  }

  /**
   * Like the other {@code setRunning}; {@code nodes}, when present, names the nodes it runs on from
   * now on (empty list = every node), as each node calls itself ({@code cocaine.node.name}). One
   * write: no node starts it in between.
   */
  public DesiredApp setRunning(String app, boolean running, String profile, Optional<List<String>> nodes) {
    Optional<DesiredApp> current = desired(app);
    if (current.isEmpty()) {
      if (!running) {
        throw new CocaineException(ErrorCode.NOT_FOUND, "app '" + app + "' has no desired state in the cluster");
      }
      if (profile == null || profile.isEmpty()) {
        throw new IllegalArgumentException("app '" + app + "' was never started on the cluster: give its profile (-r)");
      }
      Map<String, Object> manifest = map(app, "manifests", app);
      byte[] archive = archive(app, app).orElse(null);
      release(app, manifest, archive, "", profile, "", 0, nodes);
      return desired(app).orElseThrow();
    }
    DesiredApp next = current.get().withRunning(running);
    if (profile != null && !profile.isEmpty()) {
      next = next.atVersion(next.version(), profile).withRunning(running);
    }
    next = nodes.map(next::onNodes).orElse(next);
    write(next);
    return next;
  }

  /**
   * Puts {@code app}'s desired state back as it was ({@code before}; empty = it had none, so the
   * record is removed and the nodes stop what they started of it): a deploy whose version never ran.
   */
  public void restore(String app, Optional<DesiredApp> before) {
    if (before.isPresent()) {
      write(before.get());
    } else {
      storage.remove(DesiredApp.COLLECTION, app);
    }
  }

  /** Every node that runs {@code app} restarts it once. */
  public DesiredApp restart(String app) {
    DesiredApp next = desired(app).orElseThrow(() -> new CocaineException(ErrorCode.NOT_FOUND,
        "app '" + app + "' has no desired state in the cluster")).restarted();
    write(next);
    return next;
  }

  private void activate(AppVersion v) {
    activate(v, Optional.empty());
  }

  /** {@code nodes}, when present, places a first desired state (empty list = every node). */
  private void activate(AppVersion v, Optional<List<String>> nodes) {
    Optional<byte[]> archive = archive(v.app(), v.key());
    if (archive.isEmpty() && v.source().startsWith("sha256:")) {
      throw new CocaineException(ErrorCode.NOT_FOUND, "the archive of " + v.app() + " version " + v.number()
          + " is no longer stored (apps/" + v.key() + ")");
    }
    storage.write("manifests", v.app(), FrameEncoder.encodeValue(Values.fromJava(v.manifest())), APP_TAGS);
    if (archive.isPresent()) {
      storage.write("apps", v.app(), FrameEncoder.encodeValue(Values.bytes(archive.get())), APP_TAGS);
    }
    DesiredApp next = desired(v.app())
        .map(d -> d.atVersion(String.valueOf(v.number()), v.profile()))
        .orElse(new DesiredApp(v.app(), String.valueOf(v.number()), v.profile(), nodes.orElse(List.of()), true, 0));
    write(next);
  }

  private void write(DesiredApp d) {
    storage.write(DesiredApp.COLLECTION, d.app(), d.pack(), DesiredApp.TAGS);
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> map(String app, String collection, String key) {
    Object v = Values.toJava(Values.unpack(storage.read(collection, key)));
    if (!(v instanceof Map)) {
      throw new CocaineException(ErrorCode.INVALID, collection + "/" + key + " of app '" + app + "' is not a map");
    }
    return (Map<String, Object>) v;
  }

  private Optional<byte[]> archive(String app, String key) {
    try {
      return Optional.of(Values.asBytes(Values.unpack(storage.read("apps", key))));
    } catch (CocaineException e) {
      if (e.code().equals(ErrorCode.NOT_FOUND)) {
        return Optional.empty();
      }
      throw e;
    }
  }

  private static long parse(String app, String version) {
    try {
      return Long.parseLong(version);
    } catch (NumberFormatException e) {
      throw new CocaineException(ErrorCode.INVALID, "desired version '" + version + "' of app '" + app
          + "' is not a version number");
    }
  }

  private static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JRE", e);
    }
  }
}
