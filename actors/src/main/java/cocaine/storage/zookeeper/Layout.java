package cocaine.storage.zookeeper;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.nio.charset.StandardCharsets;
import org.apache.zookeeper.common.PathUtils;

/**
 * Where the zookeeper backend keeps things under its root: a value at {@code <root>/<collection>/<key>},
 * a tag entry at {@code <root>/.tags/<collection>/<tag>/<key>}, a large value's chunks under
 * {@code <root>/.chunks/<collection>/<key>/}; and the rule for the names that become one path part.
 *
 * @param root the configured root without a trailing '/'; empty for ZooKeeper's own root
 */
record Layout(String root) {
  private static final int NAME_MAX = 255;

  /** The layout under a configured root ({@code cocaine.storage.zookeeper.root}); refuses an invalid path. */
  static Layout of(String configuredRoot) {
    String root = configuredRoot.endsWith("/") && configuredRoot.length() > 1
        ? configuredRoot.substring(0, configuredRoot.length() - 1) : configuredRoot;
    PathUtils.validatePath(root);
    return new Layout(root.equals("/") ? "" : root);
  }

  String collection(String collection) {
    return root + "/" + collection;
  }

  String value(String collection, String key) {
    return root + "/" + collection + "/" + key;
  }

  String tags(String collection) {
    return root + "/.tags/" + collection;
  }

  String tag(String collection, String tag) {
    return root + "/.tags/" + collection + "/" + tag;
  }

  String chunks(String collection, String key) {
    return root + "/.chunks/" + collection + "/" + key;
  }

  /**
   * The rules of the files backend (one plain name, no leading dot), plus ZooKeeper's path rules;
   * the leading dot is refused so a collection can never be taken for {@code .tags} or {@code .chunks}.
   */
  static void validate(String what, String name) {
    String reason = null;
    if (name == null || name.isEmpty()) {
      reason = "must not be empty";
    } else if (name.getBytes(StandardCharsets.UTF_8).length > NAME_MAX) {
      reason = "is longer than " + NAME_MAX + " bytes";
    } else if (name.indexOf('/') >= 0) {
      reason = "must not contain '/'";
    } else if (name.startsWith(".")) {
      reason = "must not start with '.' (reserved)";
    } else {
      try {
        PathUtils.validatePath("/" + name);
      } catch (IllegalArgumentException e) {
        reason = e.getMessage();
      }
    }
    if (reason != null) {
      throw new CocaineException(ErrorCode.INVALID, "invalid " + what + " '" + (name == null ? "" : name.replace("\0", "\\0"))
          + "': " + reason);
    }
  }
}
