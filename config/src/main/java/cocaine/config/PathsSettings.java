package cocaine.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Folders the runtime writes to ({@code cocaine.paths}); the defaults under /tmp work for any
 * user without setup.
 *
 * @param runtime worker sockets and the pid file
 * @param spool   unpacked app archives
 * @param storage root of the files storage backend
 */
public record PathsSettings(Path runtime, Path spool, Path storage) {
  public PathsSettings {
    Objects.requireNonNull(runtime, "runtime");
    Objects.requireNonNull(spool, "spool");
    Objects.requireNonNull(storage, "storage");
  }

  static PathsSettings from(SettingsReader r) {
    return new PathsSettings(
        Path.of(r.nonEmptyString("runtime")),
        Path.of(r.nonEmptyString("spool")),
        Path.of(r.nonEmptyString("storage")));
  }
}
