package cocaine.config;

import java.util.Objects;

/**
 * Which backend keeps manifests, profiles, runlists, routing groups and crashlogs
 * ({@code cocaine.storage}); the files backend's folder is {@link PathsSettings#storage()}.
 */
public record StorageSettings(Backend backend, ZookeeperSettings zookeeper) {
  /** Storage backends: one machine's folder, or a ZooKeeper ensemble shared by a cluster. */
  public enum Backend { FILES, ZOOKEEPER }

  public StorageSettings {
    Objects.requireNonNull(backend, "backend");
    Objects.requireNonNull(zookeeper, "zookeeper");
  }

  static StorageSettings from(SettingsReader r) {
    return new StorageSettings(r.oneOf("backend", Backend.class),
        ZookeeperSettings.from(r.section("zookeeper")));
  }
}
