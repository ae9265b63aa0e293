package cocaine.cli;

import cocaine.client.StorageClient;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * What the profile, runlist and group commands share over their storage collection: a stored object
 * read as a map, one validated and stored, and the {@link Kind} of each (docs/protocol.md 4); the
 * commands themselves are {@link StoredObjectCommands}.
 */
final class StoredObjects {
  private StoredObjects() {}

  /** A stored object as a mutable map, for commands that change it and write it back. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> readMap(StorageClient storage, String collection, String key) {
    Object value = Printer.unpack(storage.read(collection, key));
    if (!(value instanceof Map)) {
      throw new CocaineException(ErrorCode.INVALID, collection + "/" + key + " is not a map");
    }
    return new LinkedHashMap<>((Map<String, Object>) value);
  }

  /** Stores {@code map} as {@code name} once {@code check} accepts it. */
  static void write(StorageClient storage, Kind kind, String name, Map<String, Object> map) {
    kind.check().accept(name, map);
    storage.write(kind.collection(), name, Printer.pack(map), kind.tags());
  }

  /**
   * Sets an app's entry in the stored map {@code name} (a runlist's profile, a group's weight) and
   * stores the map once {@code check} accepts it.
   *
   * @param create whether a missing map is started empty rather than refused [NOT_FOUND]
   */
  static void putApp(StorageClient storage, Kind kind, String name, String app, Object entry, boolean create) {
    Map<String, Object> map;
    try {
      map = readMap(storage, kind.collection(), name);
    } catch (CocaineException e) {
      if (!create || !e.code().equals(ErrorCode.NOT_FOUND)) {
        throw e;
      }
      map = new LinkedHashMap<>();
    }
    map.put(app, entry);
    write(storage, kind, name, map);
  }

  /** Removes an app's entry from the stored map {@code name}; refuses [NOT_FOUND] an app it does not hold. */
  static void removeApp(StorageClient storage, Kind kind, String name, String app) {
    Map<String, Object> map = readMap(storage, kind.collection(), name);
    if (map.remove(app) == null) {
      throw new CocaineException(ErrorCode.NOT_FOUND, "app '" + app + "' is not in " + kind.what() + " '" + name + "'");
    }
    storage.write(kind.collection(), name, Printer.pack(map), kind.tags());
  }

  /**
   * One kind of stored document.
   *
   * @param what its name in messages, e.g. {@code profile}
   * @param collection its storage collection
   * @param tags the tags it is stored with, by which it is listed
   * @param check throws {@link IllegalArgumentException} naming the fault when a document is not valid
   * @param upload the command that stores a file of it, with {@code %1$s} the name and {@code %2$s} the file
   * @param afterChange what to do once one is stored under a name ({@code %s}), e.g. to serve it; or empty
   */
  record Kind(String what, String collection, List<String> tags, BiConsumer<String, Map<String, Object>> check,
      String upload, String afterChange) {}
}
