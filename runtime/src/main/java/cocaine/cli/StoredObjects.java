package cocaine.cli;

import cocaine.client.StorageClient;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/**
 * The steps the profile, runlist and group commands share over their storage collection: a stored
 * object read as a map, and list, view and remove (docs/protocol.md 4).
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

  /** Prints the keys of a collection that carry the tags. */
  static int list(Target target, CommandLine.Model.CommandSpec spec, String collection, List<String> tags)
      throws IOException {
    try (StorageClient storage = target.storage()) {
      Printer.print(spec.commandLine().getOut(), storage.find(collection, tags));
    }
    return 0;
  }

  /** Prints a stored map as JSON. */
  static int view(Target target, CommandLine.Model.CommandSpec spec, String collection, String name)
      throws IOException {
    try (StorageClient storage = target.storage()) {
      Printer.print(spec.commandLine().getOut(), readMap(storage, collection, name));
    }
    return 0;
  }

  /** Removes a stored object; a missing one is fine. */
  static int remove(Target target, String collection, String name) throws IOException {
    try (StorageClient storage = target.storage()) {
      storage.remove(collection, name);
    }
    return 0;
  }
}
