package cocaine.cli;

import cocaine.client.StorageClient;
import cocaine.model.Runlist;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.io.IOException;
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
  static final class AddApp implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, required = true) String name;
    @Option(names = "--app", required = true) String app;
    @Option(names = {"-r", "--profile"}, required = true) String profile;
    @Option(names = {"-f", "--force"}, description = "create the runlist if it is missing") boolean force;

    @Override
    public Integer call() throws IOException {
      try (StorageClient storage = target.storage()) {
        Map<String, Object> runlist;
        try {
          runlist = StoredObjects.readMap(storage, "runlists", name);
        } catch (CocaineException e) {
          if (!force || !e.code().equals(ErrorCode.NOT_FOUND)) {
            throw e;
          }
          runlist = new LinkedHashMap<>();
        }
        runlist.put(app, profile);
        Runlist.fromMap(name, runlist);
        storage.write("runlists", name, Printer.pack(runlist), TAGS);
      }
      return 0;
    }
  }

  @Command(name = "remove-app", description = "Remove an app from a runlist.")
  static final class RemoveApp implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, required = true) String name;
    @Option(names = "--app", required = true) String app;

    @Override
    public Integer call() throws IOException {
      try (StorageClient storage = target.storage()) {
        Map<String, Object> runlist = StoredObjects.readMap(storage, "runlists", name);
        if (runlist.remove(app) == null) {
          throw new CocaineException(ErrorCode.NOT_FOUND, "app '" + app + "' is not in runlist '" + name + "'");
        }
        storage.write("runlists", name, Printer.pack(runlist), TAGS);
      }
      return 0;
    }
  }

  @Command(name = "create", description = "Store an empty runlist (an existing one is emptied, as the original did).")
  static final class Create implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, required = true) String name;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      try (StorageClient storage = target.storage()) {
        int apps = 0;
        if (storage.find("runlists", TAGS).contains(name)) {
          apps = StoredObjects.readMap(storage, "runlists", name).size();
        }
        StoredObjects.store(storage, KIND, name, new LinkedHashMap<>());
        spec.commandLine().getOut().println("runlist '" + name + "' created"
            + (apps == 0 ? "" : " (it replaced one of " + apps + " apps)"));
      }
      return 0;
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
        StoredObjects.store(storage, KIND, name, runlist);
      }
      spec.commandLine().getOut().println("runlist '" + name + "' uploaded");
      return 0;
    }
  }

}
