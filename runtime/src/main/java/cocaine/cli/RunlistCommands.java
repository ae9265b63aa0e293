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
    subcommands = {RunlistCommands.ListAll.class, RunlistCommands.View.class, RunlistCommands.AddApp.class,
        RunlistCommands.RemoveApp.class, RunlistCommands.Remove.class})
final class RunlistCommands {
  static final List<String> TAGS = List.of("runlist");

  @Command(name = "list", description = "List runlists.")
  static final class ListAll implements Callable<Integer> {
    @Mixin Target target;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      return StoredObjects.list(target, spec, "runlists", TAGS);
    }
  }

  @Command(name = "view", description = "Print a runlist.")
  static final class View implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, required = true) String name;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      return StoredObjects.view(target, spec, "runlists", name);
    }
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

  @Command(name = "remove", description = "Remove a runlist.")
  static final class Remove implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, required = true) String name;

    @Override
    public Integer call() throws IOException {
      return StoredObjects.remove(target, "runlists", name);
    }
  }
}
