package cocaine.cli;

import cocaine.client.Connection;
import cocaine.client.ServiceClient;
import cocaine.client.StorageClient;
import cocaine.wire.Values;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cocaine app check -n NAME}, as the original's: prints the app's state and exits 0 when it
 * runs on the node; fails (1, or cocaine-tool's 128) when it is not uploaded or does not run.
 */
@Command(name = "check", description = "Tell whether an app runs on the node: exit 0 and its state if it does, 1"
    + " (cocaine-tool: 128) if it is not uploaded or not running.")
final class AppCheckCommand implements Callable<Integer> {
  @Mixin Target target;
  @Option(names = {"-n", "--name"}, required = true) String name;
  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    try (StorageClient storage = target.storage()) {
      AppCommands.requireUploaded(storage, name);
    }
    String state;
    try (ServiceClient node = target.service("node")) {
      if (!Values.asStrings(Connection.await(node.call("list"), target.timeout, "node.list").get(0)).contains(name)) {
        throw new IllegalStateException("app '" + name + "' is stopped: start it with 'cocaine app start -n " + name
            + " -r PROFILE'");
      }
      Object info = Values.toJava(Connection.await(node.callWith("info", target.authorization(), name, 0),
          target.timeout, "node.info").get(0));
      state = new AppInfoView(info instanceof Map<?, ?> m ? m : Map.of()).state();
    }
    if (!state.equals("running")) {
      throw new IllegalStateException("app '" + name + "' is " + state + ": 'cocaine info -n " + name + "' tells why");
    }
    spec.commandLine().getOut().println(state);
    return 0;
  }
}
