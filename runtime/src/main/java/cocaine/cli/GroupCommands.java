package cocaine.cli;

import cocaine.client.Locator;
import cocaine.client.StorageClient;
import cocaine.routing.RoutingGroup;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/** {@code cocaine group ...}: routing groups that split a name between app versions by weight. */
@Command(name = "group", description = "Manage routing groups.",
    subcommands = {StoredObjectCommands.ListAll.class, StoredObjectCommands.View.class, GroupCommands.Create.class,
        GroupCommands.Push.class, GroupCommands.Pop.class, GroupCommands.Refresh.class,
        StoredObjectCommands.Remove.class, StoredObjectCommands.Copy.class,
        StoredObjectCommands.Rename.class, StoredObjectCommands.Edit.class})
final class GroupCommands implements StoredObjectCommands.Group {
  static final List<String> TAGS = List.of("group", "active");
  /** A group may be stored empty ({@code create} without {@code -c}); weights are checked once there are any. */
  static final StoredObjects.Kind KIND = new StoredObjects.Kind("group", "groups", TAGS, (name, weights) -> {
    if (!weights.isEmpty()) {
      RoutingGroup.fromMap(name, weights);
    }
  }, "cocaine group create -n %s -c %s", "; 'cocaine group refresh -n %s' serves it");

  @Override
  public StoredObjects.Kind kind() {
    return KIND;
  }

  @Command(name = "create", description = "Create a group from JSON {\"app\": weight, ...} (empty if omitted).")
  static final class Create implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, required = true) String name;
    @Option(names = {"-c", "--content"}, description = "JSON file or inline JSON") String content;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      Map<String, Object> weights = content == null ? new LinkedHashMap<>() : Printer.readJsonObject(content, "group");
      try (StorageClient storage = target.storage()) {
        StoredObjects.write(storage, KIND, name, weights);
      }
      spec.commandLine().getOut().println("group '" + name + "' created");
      return 0;
    }
  }

  @Command(name = "push", description = "Add an app to a group, or change its weight.")
  static final class Push extends StorageCommand.Named {
    @Option(names = "--app", required = true) String app;
    @Option(names = {"-w", "--weight"}, required = true) long weight;

    @Override
    void run(StorageClient storage, PrintWriter out) {
      StoredObjects.putApp(storage, KIND, name, app, weight, false);
    }
  }

  @Command(name = "pop", description = "Remove an app from a group.")
  static final class Pop extends StoredObjectCommands.RemoveApp {}

  @Command(name = "refresh", description = "Make the locator reload a group (all groups without -n).")
  static final class Refresh implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}) String name;

    @Override
    public Integer call() throws IOException {
      List<String> names;
      if (name != null) {
        names = List.of(name);
      } else {
        try (StorageClient storage = target.storage()) {
          names = storage.find("groups", TAGS);
        }
      }
      try (Locator locator = target.locator()) {
        locator.refresh(names, target.authorization());
      }
      return 0;
    }
  }

}
