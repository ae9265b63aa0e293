package cocaine.cli;

import cocaine.client.StorageClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The commands the profile, runlist and group groups share: {@code list}, {@code view},
 * {@code remove}, {@code copy}, {@code rename} and {@code edit}, one implementation each. A command
 * takes its {@link StoredObjects.Kind} from the group it is listed in ({@link Group}).
 */
final class StoredObjectCommands {
  private StoredObjectCommands() {}

  /** A command group over one kind of stored document. */
  interface Group {
    StoredObjects.Kind kind();
  }

  private static StoredObjects.Kind kind(CommandLine.Model.CommandSpec spec) {
    return ((Group) spec.parent().userObject()).kind();
  }

  @Command(name = "list", description = "List the stored ${PARENT-COMMAND-NAME}s.")
  static final class ListAll extends StorageCommand {
    @Override
    void run(StorageClient storage, PrintWriter out) {
      StoredObjects.Kind kind = kind(spec);
      HumanOutput.print(target, out, storage.find(kind.collection(), kind.tags()), "NAME");
    }
  }

  @Command(name = "view", description = "Print a ${PARENT-COMMAND-NAME}.")
  static final class View extends StorageCommand.Named {
    @Override
    void run(StorageClient storage, PrintWriter out) {
      HumanOutput.print(target, out, StoredObjects.readMap(storage, kind(spec).collection(), name), "KEY");
    }
  }

  @Command(name = "remove", description = "Remove a ${PARENT-COMMAND-NAME} (a missing one is fine).")
  static final class Remove extends StorageCommand.Named {
    @Override
    void run(StorageClient storage, PrintWriter out) {
      storage.remove(kind(spec).collection(), name);
    }
  }

  /** Removes one app from a stored map of apps; runlist remove-app and group pop name it each. */
  abstract static class RemoveApp extends StorageCommand.Named {
    @Option(names = "--app", required = true) String app;

    @Override
    void run(StorageClient storage, PrintWriter out) {
      StoredObjects.removeApp(storage, kind(spec), name, app);
    }
  }

  @Command(name = "copy", description = "Copy a ${PARENT-COMMAND-NAME} to --copyname.")
  static final class Copy implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, required = true) String name;
    @Option(names = {"-c", "--copyname"}, required = true, description = "name of the copy") String copyname;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      return copy(target, spec, name, copyname, false);
    }
  }

  @Command(name = "rename", description = "Rename a ${PARENT-COMMAND-NAME} to --copyname.")
  static final class Rename implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, required = true) String name;
    @Option(names = {"-c", "--copyname"}, required = true, description = "new name") String copyname;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      return copy(target, spec, name, copyname, true);
    }
  }

  /**
   * Copies the stored bytes of {@code name} to {@code copyname} (the original's {@code copy}); with
   * {@code rename}, removes {@code name} once the copy is stored.
   */
  private static int copy(Target target, CommandLine.Model.CommandSpec spec, String name, String copyname,
      boolean rename) throws IOException {
    StoredObjects.Kind kind = kind(spec);
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
          + copyname + "'" + (replaced ? " (it replaced the earlier '" + copyname + "')" : "")
          + kind.afterChange().formatted(copyname));
    }
    return 0;
  }

  /**
   * Opens a document as JSON in the user's editor and stores the result once it is valid (the
   * original's interactive {@code edit}). An invalid edit is stored nowhere and kept in its file,
   * which the error names with the command that uploads it once fixed.
   */
  @Command(name = "edit", description = "Open a ${PARENT-COMMAND-NAME} in $VISUAL or $EDITOR as JSON; store it on exit"
      + " if it is valid.")
  static final class Edit implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, required = true) String name;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException, InterruptedException {
      StoredObjects.Kind kind = kind(spec);
      PrintWriter out = spec.commandLine().getOut();
      Map<String, Object> before;
      try (StorageClient storage = target.storage()) {
        before = StoredObjects.readMap(storage, kind.collection(), name);
      }
      Path file = Editor.editAsJson(before, "cocaine-" + kind.what() + "-");
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
        out.println(kind.what() + " '" + name + "' unchanged");
        return 0;
      }
      try (StorageClient storage = target.storage()) {
        storage.write(kind.collection(), name, Printer.pack(after), kind.tags());
      }
      out.println(kind.what() + " '" + name + "' stored" + kind.afterChange().formatted(name));
      return 0;
    }
  }
}
