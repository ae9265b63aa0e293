package cocaine.storage.zookeeper;

/** A key of a watched collection was created, changed or removed (see {@link ZookeeperStorage#watch}). */
public record StorageChange(String collection, String key, Kind kind) {
  public enum Kind { CREATED, CHANGED, REMOVED }
}
