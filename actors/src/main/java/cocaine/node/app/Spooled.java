package cocaine.node.app;

import cocaine.model.Manifest;
import cocaine.model.Profile;
import cocaine.node.isolate.Isolate;
import cocaine.node.isolate.SideBySide;
import cocaine.node.slot.WorkerListener;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * What an app is once spooled: its manifest and profile, validated and as stored (for {@code info}),
 * the isolate its archive was unpacked into and the pipe its workers connect to. A spool that failed
 * part way carries the parts it reached; the others are null and so are not released.
 */
record Spooled(Map<String, Object> manifestData, Manifest manifest, Map<String, Object> profileData, Profile profile,
    Isolate isolate, WorkerListener pipe) {
  /** A spool that failed before it read the app. */
  static final Spooled NONE = new Spooled(null, null, null, null, null, null);
  /** Longest output line kept for crashlogs; the rest of a longer line is cut. */
  static final int OUTPUT_LINE_BYTES = 4096;
  private static final String PROCESS = "process";

  /**
   * Spools {@code app} off the caller's thread: reads the stored app, creates its isolate and unpacks
   * the archive, then opens the worker pipe (on the host's blocking executor). Never fails: completes
   * with {@code outcome(spooled, null)}, or {@code outcome(what it reached, failure)}.
   */
  static <T> CompletionStage<T> spool(AppHost host, String app, String profileName,
      ActorSystem<?> system, BiFunction<Spooled, Throwable, T> outcome) {
    return spool(host, app, new Share("", profileName, 1), 0, system, outcome);
  }

  /**
   * Spools one generation of {@code app}: the version {@code share} names (its own record, or the
   * current objects when the version is empty or has no record), in side-by-side {@code slot}: slot 0
   * is the app's own folder and worker pipe, a slot above uses folders and a pipe of its own, so two
   * versions of one app run at once.
   */
  static <T> CompletionStage<T> spool(AppHost host, String app, Share share, int slot,
      ActorSystem<?> system, BiFunction<Spooled, Throwable, T> outcome) {
    return StoredApp.read(host.storage(), app, share.profile(), share.version())
        .thenCompose(stored -> unpack(host, app, slot, system, read(stored), stored.archive(), outcome))
        .exceptionally(e -> outcome.apply(NONE, e));
  }

  private static <T> CompletionStage<T> unpack(AppHost host, String app, int slot, ActorSystem<?> system,
      Spooled read, Optional<byte[]> archive, BiFunction<Spooled, Throwable, T> outcome) {
    Profile profile = read.profile();
    var policy = new Isolate.OutputPolicy(profile.crashlogLimit(), OUTPUT_LINE_BYTES, profile.logOutput());
    Isolate isolate;
    try {
      isolate = host.isolates().create(app, read.manifest().slave(), profile.isolate().type(),
          slotArgs(host, profile, slot, archive.isPresent()), policy);
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(outcome.apply(read, e));
    }
    Spooled unpacking = read.withIsolate(isolate);
    return CompletableFuture.<Void>completedFuture(null)
        .thenCompose(v -> isolate.spool(archive)) // a spool that throws fails like one that completes failed
        .thenApplyAsync(v -> outcome.apply(unpacking.withPipe(openPipe(host, app, slot, system)), null),
            host.blocking())
        .exceptionally(e -> outcome.apply(unpacking, e));
  }

  /**
   * The isolate's arguments for {@code slot}: an archive unpacked by the process isolate in a slot
   * above 0 goes to {@code <spool>/.slot-<n>/<app>}, so it does not replace the folder the other
   * generation's workers run from.
   */
  private static Map<String, Object> slotArgs(AppHost host, Profile profile, int slot, boolean archive) {
    Map<String, Object> args = profile.isolate().args();
    if (slot == 0 || !archive || !PROCESS.equals(profile.isolate().type())) {
      return args;
    }
    Object spool = args.get("spool");
    Path base = spool instanceof String s && s.startsWith("/") ? Path.of(s) : host.config().spoolDir();
    Map<String, Object> out = new java.util.HashMap<>(args);
    out.put("spool", SideBySide.spool(base, slot).toString());
    return out;
  }

  private static WorkerListener openPipe(AppHost host, String app, int slot, ActorSystem<?> system) {
    Path socket = PipePath.of(host.config().runtimeDir(), app, ProcessHandle.current().pid(), slot);
    try {
      return WorkerListener.bind(system, app, socket, host.config().connection().maxFrameBytes());
    } catch (IOException e) {
      throw new CocaineException(ErrorCode.SPOOL_ERROR, "app '" + app + "': cannot open the worker pipe: "
          + e.getMessage(), e);
    }
  }

  /** The app as read from storage, before its isolate exists. */
  static Spooled read(StoredApp stored) {
    return new Spooled(stored.manifestData(), stored.manifest(), stored.profileData(), stored.profile(), null, null);
  }

  Spooled withIsolate(Isolate created) {
    return new Spooled(manifestData, manifest, profileData, profile, created, pipe);
  }

  Spooled withPipe(WorkerListener opened) {
    return new Spooled(manifestData, manifest, profileData, profile, isolate, opened);
  }
}
