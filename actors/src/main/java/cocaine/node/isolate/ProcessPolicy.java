package cocaine.node.isolate;

import cocaine.config.SettingsException;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the operator lets a process-isolate profile choose ({@code cocaine.isolate.process},
 * {@code cocaine.isolate.archive}): every app folder lies in the spool root, workers run as the
 * runtime's user unless the profile names an allowed one, and archives are bounded. A refusal is
 * {@code [9, 3]} and names the profile field and the setting that would allow it.
 *
 * @param spoolRoot {@code cocaine.paths.spool}: a profile's {@code spool} must be this folder or one below it
 * @param users Unix users a profile may run its workers as ({@code isolate.args.user})
 * @param archiveMaxBytes bytes of file content one app archive may unpack
 * @param archiveMaxEntries entries one app archive may hold
 */
public record ProcessPolicy(Path spoolRoot, Set<String> users, long archiveMaxBytes, int archiveMaxEntries) {
  static final String SECTION = "cocaine.isolate";
  /** As reference.conf: 4 GiB and 100 000 entries. */
  static final long DEFAULT_ARCHIVE_MAX_BYTES = 4L << 30;
  static final int DEFAULT_ARCHIVE_MAX_ENTRIES = 100_000;

  public ProcessPolicy {
    spoolRoot = spoolRoot.toAbsolutePath().normalize();
    users = Set.copyOf(users);
    new AppArchive.Limits(archiveMaxBytes, archiveMaxEntries); // checks both
  }

  /** Nothing but the spool root and the runtime's own user; the default archive bounds. */
  public static ProcessPolicy strict(Path spoolRoot) {
    return new ProcessPolicy(spoolRoot, Set.of(), DEFAULT_ARCHIVE_MAX_BYTES, DEFAULT_ARCHIVE_MAX_ENTRIES);
  }

  /**
   * From {@code cocaine.isolate.process.allow} and {@code cocaine.isolate.archive}.
   *
   * @throws SettingsException naming the key when a value is unusable
   */
  public static ProcessPolicy from(Config config, Path spoolRoot) {
    try {
      Config c = config.getConfig(SECTION);
      long maxBytes = c.getBytes("archive.max-bytes");
      int maxEntries = c.getInt("archive.max-entries");
      if (maxBytes < 1 || maxEntries < 1) {
        throw new SettingsException(SECTION + ".archive: max-bytes (" + maxBytes + ") and max-entries ("
            + maxEntries + ") must be at least 1");
      }
      return new ProcessPolicy(spoolRoot, Set.copyOf(c.getStringList("process.allow.users")), maxBytes, maxEntries);
    } catch (ConfigException e) {
      throw new SettingsException(e.getMessage(), e);
    }
  }

  AppArchive.Limits archiveLimits() {
    return new AppArchive.Limits(archiveMaxBytes, archiveMaxEntries);
  }

  /** The profile's {@code spool} (the root when absent), refused when it lies outside the root. */
  Path spool(String app, Object arg) {
    if (arg == null) {
      return spoolRoot;
    }
    if (!(arg instanceof String s) || s.isBlank() || !s.startsWith("/")) {
      throw new CocaineException(ErrorCode.INVALID, "app '" + app + "': profile field 'isolate.args.spool': must be"
          + " an absolute folder path, got " + arg);
    }
    Path spool;
    try {
      spool = Path.of(s).normalize();
    } catch (InvalidPathException e) {
      throw new CocaineException(ErrorCode.INVALID, "app '" + app + "': profile field 'isolate.args.spool': not a"
          + " path: " + e.getReason());
    }
    if (!spool.startsWith(spoolRoot)) {
      throw outsideRoot(app, s);
    }
    return spool;
  }

  /**
   * The app's folder {@code <spool>/<app>}, checked on disk just before it is replaced: its folder,
   * with every symlink on the way resolved, must still lie in the spool root.
   */
  Path appFolder(String app, Path spool) {
    Path folder = spool.resolve(app).normalize();
    if (app.isEmpty() || app.contains("/") || !spool.equals(folder.getParent())) {
      throw new CocaineException(ErrorCode.INVALID, "app '" + app + "': the name cannot be a folder name");
    }
    try {
      if (!real(spool).startsWith(real(spoolRoot))) {
        throw outsideRoot(app, spool + " (" + real(spool) + " once its symlinks are resolved)");
      }
    } catch (IOException e) {
      throw new CocaineException(ErrorCode.SPOOL_ERROR, "app '" + app + "': cannot resolve the spool folder " + spool
          + ": " + e.getMessage(), e);
    }
    return folder;
  }

  private CocaineException outsideRoot(String app, String spool) {
    return new CocaineException(ErrorCode.PERMISSION_DENIED, "app '" + app + "': profile field 'isolate.args.spool' = '"
        + spool + "' is outside the spool root " + spoolRoot + " (cocaine.paths.spool): a profile's spool must be"
        + " that folder or one below it");
  }

  /** {@code path} with the symlinks of its existing part resolved, the part not yet created appended. */
  private static Path real(Path path) throws IOException {
    Path existing = path;
    while (existing.getParent() != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
      existing = existing.getParent();
    }
    return existing.toRealPath().resolve(existing.relativize(path)).normalize();
  }

  /**
   * The Unix user the profile runs its workers as ({@code isolate.args.user}), or null for the runtime's
   * own; refused unless allowed, present on this node, and the runtime runs as root.
   */
  String user(String app, Object arg) {
    if (arg == null) {
      return null;
    }
    String field = "app '" + app + "': profile field 'isolate.args.user'";
    if (!(arg instanceof String name) || name.isBlank()) {
      throw new CocaineException(ErrorCode.INVALID, field + ": must be a user name, got " + arg);
    }
    if (!users.contains(name)) {
      throw new CocaineException(ErrorCode.PERMISSION_DENIED, field + " = '" + name + "' is not allowed on this node:"
          + " add '" + name + "' to " + SECTION + ".process.allow.users"
          + (users.isEmpty() ? "" : " (allowed now: " + String.join(", ", new TreeSet<>(users)) + ")"));
    }
    try {
      FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName(name);
      if (!Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"))) {
        throw new CocaineException(ErrorCode.INVALID, field + ": running workers as '" + name
            + "' needs the runtime to run as root");
      }
    } catch (UserPrincipalNotFoundException e) {
      throw new CocaineException(ErrorCode.INVALID, field + ": no user '" + name + "' on this node");
    } catch (IOException | UnsupportedOperationException e) {
      throw new CocaineException(ErrorCode.INVALID, field + ": cannot check user '" + name + "': " + e.getMessage());
    }
    return name;
  }
}
