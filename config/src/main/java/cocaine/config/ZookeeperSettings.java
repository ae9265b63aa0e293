package cocaine.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How to reach the ZooKeeper storage backend ({@code cocaine.storage.zookeeper}).
 *
 * @param connect        connect string, {@code host:port[,host:port...]}
 * @param root           znode under which every collection lives
 * @param sessionTimeout session expiry without contact
 */
public record ZookeeperSettings(String connect, String root, Duration sessionTimeout) {
  public ZookeeperSettings {
    Objects.requireNonNull(connect, "connect");
    Objects.requireNonNull(root, "root");
    Objects.requireNonNull(sessionTimeout, "sessionTimeout");
  }

  static ZookeeperSettings from(SettingsReader r) {
    String root = r.nonEmptyString("root");
    if (!root.startsWith("/")) {
      throw r.refuse("root", "must be an absolute znode path starting with /");
    }
    return new ZookeeperSettings(r.nonEmptyString("connect"), root, r.duration("session-timeout"));
  }
}
