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
    subcommands = {ProfileCommands.Upload.class, ProfileCommands.ListAll.class, ProfileCommands.View.class,
        ProfileCommands.Remove.class, ProfileCommands.Copy.class, ProfileCommands.Rename.class, ProfileCommands.Edit.class})
final class ProfileCommands {
  static final List<String> TAGS = List.of("profile");
  static final StoredObjects.Kind KIND = new StoredObjects.Kind("profile", "profiles", TAGS, Profile::fromMap,
      "cocaine profile upload -n %s -r %s");

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

  @Command(name = "list", description = "List profiles.")
  static final class ListAll implements Callable<Integer> {
    @Mixin Target target;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      return StoredObjects.list(target, spec, "profiles", TAGS);
    }
  }

  @Command(name = "view", description = "Print a profile.")
  static final class View implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, required = true) String name;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      return StoredObjects.view(target, spec, "profiles", name);
    }
  }

  @Command(name = "remove", description = "Remove a profile.")
  static final class Remove implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, required = true) String name;

    @Override
    public Integer call() throws IOException {
      return StoredObjects.remove(target, "profiles", name);
    }
  }

  @Command(name = "copy", description = "Copy a profile to --copyname.")
  static final class Copy implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, required = true) String name;
    @Option(names = {"-c", "--copyname"}, required = true, description = "name of the copy") String copyname;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      return StoredObjects.copy(target, spec, KIND, name, copyname, false);
    }
  }

  @Command(name = "rename", description = "Rename a profile to --copyname.")
  static final class Rename implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, required = true) String name;
    @Option(names = {"-c", "--copyname"}, required = true, description = "new name") String copyname;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      return StoredObjects.copy(target, spec, KIND, name, copyname, true);
    }
  }

  @Command(name = "edit", description = "Open a profile in $VISUAL or $EDITOR as JSON; store it on exit if it is valid.")
  static final class Edit implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, required = true) String name;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException, InterruptedException {
      return StoredObjects.edit(target, spec, KIND, name);
    }
  }
}
