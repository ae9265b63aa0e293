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
  /** The longest unix socket path the JDK binds: {@code sun_path} is 108 bytes with its NUL, the JDK keeps one more. */
  public static final int MAX_SOCKET_BYTES = 106;
  /**
   * The longest {@code runtime} folder, in bytes of its absolute path: a worker socket in it
   * ({@code /<app>.<pid>[.<slot>]}, or {@code /~<16 hex>.<pid>[.<slot>]} for a long app name: up to
   * 29 bytes) must fit {@link #MAX_SOCKET_BYTES}.
   */
  public static final int MAX_RUNTIME_BYTES = MAX_SOCKET_BYTES - 29;

  public PathsSettings {
    Objects.requireNonNull(runtime, "runtime");
    Objects.requireNonNull(spool, "spool");
    Objects.requireNonNull(storage, "storage");
  }

  static PathsSettings from(SettingsReader r) {
    Path runtime = Path.of(r.nonEmptyString("runtime"));
    int bytes = runtime.toAbsolutePath().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    if (bytes > MAX_RUNTIME_BYTES) {
      throw r.refuse("runtime", "must be a folder whose absolute path has at most " + MAX_RUNTIME_BYTES + " bytes, so"
          + " that its worker sockets' paths fit the " + MAX_SOCKET_BYTES + " bytes of a unix socket's (it has " + bytes + ")");
    }
    return new PathsSettings(
        runtime,
        Path.of(r.nonEmptyString("spool")),
        Path.of(r.nonEmptyString("storage")));
  }
}
