package cocaine.unicorn;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.zookeeper.common.PathUtils;

/**
 * The part of ZooKeeper that unicorn clients see: a client's path {@code /a/b} is the znode
 * {@code <root>/a/b}, so no path reaches the storage's tree or anything else outside the root;
 * paths listed as private need the access token to be read.
 *
 * @param root    znode under which every client path lives, without a trailing '/'
 * @param privatePaths client paths whose subtrees are not readable without the token
 */
record Prefix(String root, List<String> privatePaths) {
  /** Longer paths are refused before they reach ZooKeeper. */
  static final int MAX_PATH_BYTES = 4096;

  Prefix {
    privatePaths = List.copyOf(privatePaths);
  }

  /** The znode of a client's path; {@code [11, 6]} invalid_path for anything but a plain absolute path. */
  String znode(String path) {
    validate(path);
    return path.equals("/") ? root : root + path;
  }

  /** The client's path of one of our znodes. */
  String path(String znode) {
    return znode.equals(root) ? "/" : znode.substring(root.length());
  }

  boolean isPrivate(String path) {
    for (String p : privatePaths) {
      if (p.equals("/") || path.equals(p) || path.startsWith(p + "/")) {
        return true;
      }
    }
    return false;
  }

  /** An absolute ZooKeeper path: no empty, '.' or '..' parts, no trailing '/', no control characters. */
  static void validate(String path) {
    String reason = null;
    if (path.isEmpty() || path.charAt(0) != '/') {
      reason = "must start with '/'";
    } else if (path.getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
      reason = "is longer than " + MAX_PATH_BYTES + " bytes";
    } else {
      try {
        PathUtils.validatePath(path);
      } catch (IllegalArgumentException e) {
        reason = e.getMessage();
      }
    }
    if (reason != null) {
      String shown = path.length() > 200 ? path.substring(0, 200) + "..." : path;
      throw UnicornError.INVALID_PATH.exception("invalid path '" + shown.replace("\0", "\\0") + "': " + reason);
    }
  }
}
