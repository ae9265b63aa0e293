package cocaine.node.app;

import cocaine.config.PathsSettings;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Where an app's worker pipe listens: {@code <paths.runtime>/<app>.<pid>[.<slot>]}, or, when that
 * is longer than a unix socket's path may be, {@code <paths.runtime>/~<64 bits of the app's SHA-256>.<pid>[.<slot>]}
 * (workers get the path as {@code --endpoint}, so its name is free). A folder that leaves no room even
 * for the short name is refused with what to change; the settings refuse such a folder at startup.
 * The hash is long enough that no two apps' names meet by chance or by design: binding replaces a
 * socket file left at the path.
 */
final class PipePath {
  static final int MAX_BYTES = PathsSettings.MAX_SOCKET_BYTES;

  private PipePath() {
  }

  /**
   * @throws CocaineException [node, 7] when even the short name does not fit under {@code runtimeDir}
   */
  static Path of(Path runtimeDir, String app, long pid, int slot) {
    String tail = "." + pid + (slot == 0 ? "" : "." + slot);
    Path dir = runtimeDir.toAbsolutePath();
    Path named = dir.resolve(app + tail);
    if (bytes(named) <= MAX_BYTES) {
      return named;
    }
    Path hashed = dir.resolve("~" + hash(app) + tail);
    if (bytes(hashed) <= MAX_BYTES) {
      return hashed;
    }
    throw new CocaineException(ErrorCode.SPOOL_ERROR, "app '" + app + "': the worker pipe's path " + hashed
        + " is " + bytes(hashed) + " bytes, over the " + MAX_BYTES + " a unix socket's path may have;"
        + " set paths.runtime to a shorter folder (it is " + bytes(dir) + " bytes)");
  }

  private static String hash(String app) {
    try {
      byte[] sha = MessageDigest.getInstance("SHA-256").digest(app.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sha, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static int bytes(Path path) {
    return path.toString().getBytes(StandardCharsets.UTF_8).length;
  }
}
