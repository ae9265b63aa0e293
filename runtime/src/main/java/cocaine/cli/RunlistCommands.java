package cocaine.cli;

import cocaine.client.StorageClient;
import cocaine.model.Runlist;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cocaine runlist ...}: which apps a node starts at boot, with which profile. */
@Command(name = "runlist", description = "Manage runlists.",
    subcommands = {StoredObjectCommands.ListAll.class, StoredObjectCommands.View.class, RunlistCommands.AddApp.class,
        RunlistCommands.RemoveApp.class, RunlistCommands.Create.class, RunlistCommands.Upload.class,
        StoredObjectCommands.Remove.class, StoredObjectCommands.Copy.class,
        StoredObjectCommands.Rename.class, StoredObjectCommands.Edit.class})
final class RunlistCommands implements StoredObjectCommands.Group {
  static final List<String> TAGS = List.of("runlist");
  static final StoredObjects.Kind KIND = new StoredObjects.Kind("runlist", "runlists", TAGS, Runlist::fromMap,
      "cocaine runlist upload -n %s --runlist %s", "");

  @Override
  public StoredObjects.Kind kind() {
    return KIND;
  }

  @Command(name = "add-app", description = "Add an app with its profile to a runlist.")
  static final class AddApp extends StorageCommand.Named {
    @Option(names = "--app", required = true) String app;
    @Option(names = {"-r", "--profile"}, required = true) String profile;
    @Option(names = {"-f", "--force"}, description = "create the runlist if it is missing") boolean force;

    @Override
    void run(StorageClient storage, PrintWriter out) {
      StoredObjects.putApp(storage, KIND, name, app, profile, force);
    }
  }

  @Command(name = "remove-app", description = "Remove an app from a runlist.")
  static final class RemoveApp extends StoredObjectCommands.RemoveApp {}

  @Command(name = "create", description = "Store an empty runlist (an existing one is emptied, as the original did).")
  static final class Create extends StorageCommand.Named {
    @Override
    void run(StorageClient storage, PrintWriter out) {
      int apps = 0;
      if (storage.find("runlists", TAGS).contains(name)) {
        apps = StoredObjects.readMap(storage, "runlists", name).size();
      }
      StoredObjects.write(storage, KIND, name, new LinkedHashMap<>());
      out.println("runlist '" + name + "' created" + (apps == 0 ? "" : " (it replaced one of " + apps + " apps)"));
    }
  }

  @Command(name = "upload", description = "Validate and store a runlist {\"app\": \"profile\", ...} from a JSON file or inline JSON.")
  static final class Upload implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, required = true) String name;
    @Option(names = "--runlist", required = true, description = "JSON file or inline JSON") String source;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      Map<String, Object> runlist = Printer.readJsonObject(source, "runlist");
      try (StorageClient storage = target.storage()) {
        StoredObjects.write(storage, KIND, name, runlist);
      }
      spec.commandLine().getOut().println("runlist '" + name + "' uploaded");
      return 0;
    }
  }

}
