package cocaine.cli;

import cocaine.client.StorageClient;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import picocli.CommandLine;

/**
 * The steps the profile, runlist and group commands share over their storage collection: a stored
 * object read as a map, and list, view, remove, copy, rename and edit (docs/protocol.md 4).
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

  /** Stores {@code map} as {@code name} once {@code check} accepts it; says whether it replaced one. */
  static boolean store(StorageClient storage, Kind kind, String name, Map<String, Object> map) {
    kind.check().accept(name, map);
    boolean existed = storage.find(kind.collection(), kind.tags()).contains(name);
    storage.write(kind.collection(), name, Printer.pack(map), kind.tags());
    return existed;
  }

  /**
   * Copies the stored bytes of {@code name} to {@code copyname} (the original's {@code copy}); with
   * {@code rename}, removes {@code name} once the copy is stored.
   */
  static int copy(Target target, CommandLine.Model.CommandSpec spec, Kind kind, String name, String copyname,
      boolean rename) throws IOException {
    if (name.equals(copyname)) {
      throw new IllegalArgumentException(kind.what() + " '" + name + "' and --copyname are the same: give another name");
    }
    try (StorageClient storage = target.storage()) {
      byte[] blob = storage.read(kind.collection(), name);
      boolean replaced = storage.find(kind.collection(), kind.tags()).contains(copyname);
      storage.write(kind.collection(), copyname, blob, kind.tags());
      if (rename) {
        storage.remove(kind.collection(), name);
      }
      spec.commandLine().getOut().println(kind.what() + " '" + name + "' " + (rename ? "renamed" : "copied") + " to '"
          + copyname + "'" + (replaced ? " (it replaced the earlier '" + copyname + "')" : ""));
    }
    return 0;
  }

  /**
   * Opens {@code name} as JSON in the user's editor and stores the result once it is valid (the
   * original's interactive {@code edit}). An invalid edit is stored nowhere and kept in its file,
   * which the error names with the command that uploads it once fixed.
   */
  static int edit(Target target, CommandLine.Model.CommandSpec spec, Kind kind, String name)
      throws IOException, InterruptedException {
    Map<String, Object> before;
    try (StorageClient storage = target.storage()) {
      before = readMap(storage, kind.collection(), name);
    }
    Path file = Files.createTempFile("cocaine-" + kind.what() + "-", ".json");
    Files.writeString(file, Printer.JSON.writeValueAsString(before) + "\n");
    try {
      Editor.edit(file);
    } catch (IOException | InterruptedException | RuntimeException e) {
      Files.deleteIfExists(file);
      throw e;
    }
    Map<String, Object> after;
    try {
      after = Printer.readJsonObject(file.toString(), kind.what());
      kind.check().accept(name, after);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(e.getMessage() + "; nothing was stored. Your edit is kept in " + file
          + ": fix it and store it with '" + kind.upload().formatted(name, file) + "'", e);
    }
    Files.deleteIfExists(file);
    // as JSON text: stored numbers come back as longs, edited ones as ints
    if (Printer.JSON.writeValueAsString(after).equals(Printer.JSON.writeValueAsString(before))) {
      spec.commandLine().getOut().println(kind.what() + " '" + name + "' unchanged");
      return 0;
    }
    try (StorageClient storage = target.storage()) {
      storage.write(kind.collection(), name, Printer.pack(after), kind.tags());
    }
    spec.commandLine().getOut().println(kind.what() + " '" + name + "' stored");
    return 0;
  }

  /**
   * One kind of stored document.
   *
   * @param what its name in messages, e.g. {@code profile}
   * @param collection its storage collection
   * @param tags the tags it is stored with, by which it is listed
   * @param check throws {@link IllegalArgumentException} naming the fault when a document is not valid
   * @param upload the command that stores a file of it, with {@code %1$s} the name and {@code %2$s} the file
   */
  record Kind(String what, String collection, List<String> tags, BiConsumer<String, Map<String, Object>> check,
      String upload) {}
}
