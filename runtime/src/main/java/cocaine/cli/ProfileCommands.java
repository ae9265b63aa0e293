package cocaine.cli;

import cocaine.client.StorageClient;
import cocaine.model.Profile;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cocaine profile ...}: the stored profiles that say how an app runs (pool, timeouts, isolate). */
@Command(name = "profile", description = "Manage profiles.",
    subcommands = {ProfileCommands.Upload.class, StoredObjectCommands.ListAll.class, StoredObjectCommands.View.class,
        StoredObjectCommands.Remove.class, StoredObjectCommands.Copy.class,
        StoredObjectCommands.Rename.class, StoredObjectCommands.Edit.class})
final class ProfileCommands implements StoredObjectCommands.Group {
  static final List<String> TAGS = List.of("profile");
  static final StoredObjects.Kind KIND = new StoredObjects.Kind("profile", "profiles", TAGS, Profile::fromMap,
      "cocaine profile upload -n %s -r %s", "");

  @Override
  public StoredObjects.Kind kind() {
    return KIND;
  }

  @Command(name = "upload", description = "Validate and store a profile from a JSON file or inline JSON; keys it"
      + " ignores or reads under their new names are told as warnings.")
  static final class Upload implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, required = true) String name;
    @Option(names = {"-r", "--profile"}, required = true, description = "JSON file or inline JSON") String source;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      Map<String, Object> map = Printer.readJsonObject(source, "profile");
      // stored as given, as the original stored it: the node tells the same warnings when it reads it
      Profile.read(name, map).warnings().forEach(w -> spec.commandLine().getErr().println("warning: " + w));
      try (StorageClient storage = target.storage()) {
        storage.write("profiles", name, Printer.pack(map), TAGS);
      }
      spec.commandLine().getOut().println("profile '" + name + "' uploaded");
      return 0;
    }
  }

}
