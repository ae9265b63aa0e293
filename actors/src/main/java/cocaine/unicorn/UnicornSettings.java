package cocaine.unicorn;

import cocaine.config.SettingsException;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;
import java.util.List;

/**
 * How the {@code unicorn} service is set up ({@code cocaine.services.unicorn}): whether this node
 * serves it, the ZooKeeper it keeps its tree in, the root clients are confined to, and its bounds.
 *
 * @param connect           ZooKeeper connect string ({@code cocaine.storage.zookeeper.connect} when empty)
 * @param root              znode every client path is under; clients can reach nothing outside it
 * @param maxValueBytes     largest msgpack value put, created or used as a lock's name
 * @param subscriptionBuffer updates a subscriber may leave untaken before it is dropped
 * @param privatePaths      paths (and everything below) that only callers with the access token may read
 */
public record UnicornSettings(boolean enabled, String connect, String root, Duration sessionTimeout,
    Duration connectionTimeout, int maxValueBytes, int subscriptionBuffer, List<String> privatePaths) {
  public static final String SECTION = "cocaine.services.unicorn";
  /** ZooKeeper's default jute.maxbuffer: a larger znode breaks the client's session. */
  private static final int ZNODE_LIMIT = 1 << 20;

  public UnicornSettings {
    privatePaths = List.copyOf(privatePaths);
    if (maxValueBytes < 1 || maxValueBytes >= ZNODE_LIMIT) {
      throw new SettingsException(SECTION + ".max-value-bytes " + maxValueBytes
          + " must be between 1 and 1 MiB (exclusive): ZooKeeper refuses larger znodes and drops the session");
    }
    if (subscriptionBuffer < 1) {
      throw new SettingsException(SECTION + ".subscription-buffer " + subscriptionBuffer + " must be >= 1");
    }
  }

  /** From {@code cocaine.services.unicorn}, its ZooKeeper defaulting to the storage backend's. */
  public static UnicornSettings from(Config config) {
    try {
      Config c = config.getConfig(SECTION);
      String connect = c.getString("connect").trim();
      if (connect.isEmpty()) {
        connect = config.getString("cocaine.storage.zookeeper.connect");
      }
      String root = c.getString("root").trim();
      String storageRoot = config.getString("cocaine.storage.zookeeper.root");
      boolean enabled = c.getBoolean("enabled");
      if (!enabled) {
        // checked only when served: a node without unicorn starts whatever its storage root
        return new UnicornSettings(false, connect, root, c.getDuration("session-timeout"),
            c.getDuration("connection-timeout"), (int) Math.min(Integer.MAX_VALUE, c.getBytes("max-value-bytes")),
            c.getInt("subscription-buffer"), c.getStringList("private-paths"));
      }
      if (!root.startsWith("/") || root.length() < 2 || root.endsWith("/")) {
        throw new SettingsException(SECTION + ".root '" + root + "' must be an absolute znode path other than '/',"
            + " without a trailing '/'");
      }
      if (storageRoot.equals(root) || storageRoot.startsWith(root + "/") || root.startsWith(storageRoot + "/")) {
        // one tree inside the other would let unicorn clients read and rewrite manifests and profiles
        throw new SettingsException(SECTION + ".root '" + root + "' overlaps the storage's root '" + storageRoot
            + "' (cocaine.storage.zookeeper.root): keep the two trees apart");
      }
      for (String p : c.getStringList("private-paths")) {
        Prefix.validate(p);
      }
      return new UnicornSettings(true, connect, root, c.getDuration("session-timeout"),
          c.getDuration("connection-timeout"), (int) Math.min(Integer.MAX_VALUE, c.getBytes("max-value-bytes")),
          c.getInt("subscription-buffer"), c.getStringList("private-paths"));
    } catch (ConfigException e) {
      throw new SettingsException(e.getMessage(), e);
    } catch (cocaine.wire.CocaineException e) {
      throw new SettingsException(SECTION + ".private-paths: " + e.getMessage(), e);
    }
  }
}
