package cocaine.cli;

import cocaine.client.StorageClient;
import cocaine.proxy.StoredFeed;
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
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cocaine tracing ...}: the HTTP proxies' per-app trace sampling, kept in storage
 * ({@code tracing/<app>} = percent 0..100 of its requests sent with {@code trace_bit}) and applied by
 * every proxy live, like the original tool's {@code tracing view|store|remove} over unicorn's
 * {@code /zipkin_sampling}. A stored percent wins over {@code cocaine.proxy.trace-sampling}.
 */
@Command(name = "tracing", description = "Manage the HTTP proxies' per-app trace sampling (applied live).",
    subcommands = {TracingCommands.ListAll.class, TracingCommands.Set.class, TracingCommands.Remove.class})
final class TracingCommands {
  static final String COLLECTION = StoredFeed.TRACING;
  static final List<String> TAGS = List.of(StoredFeed.TRACING);

  private TracingCommands() {}

  @Command(name = "list", aliases = "view",
      description = "Print every app's stored sampling as JSON {app: percent} (or only that of -n APP).")
  static final class ListAll implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, description = "only this app") String app;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      Map<String, Object> all = new LinkedHashMap<>();
      try (StorageClient storage = target.storage()) {
        List<String> apps = app != null ? List.of(app) : storage.find(COLLECTION, TAGS).stream().sorted().toList();
        for (String a : apps) {
          all.put(a, Printer.unpack(storage.read(COLLECTION, a)));
        }
      }
      Printer.print(spec.commandLine().getOut(), all);
      return 0;
    }
  }

  @Command(name = "set", aliases = "store",
      description = "Set the percent (0..100) of an app's requests the proxies send with trace_bit.")
  static final class Set implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, required = true, description = "the app") String app;
    @Parameters(index = "0", paramLabel = "PERCENT", description = "from 0 to 100, e.g. 5 or 0.5") String percent;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      double value = percent(spec, percent);
      try (StorageClient storage = target.storage()) {
        storage.write(COLLECTION, app, Printer.pack(value == Math.rint(value) ? (Object) (long) value : value),
            TAGS);
      }
      spec.commandLine().getOut().println("trace sampling of app '" + app + "' set to " + percent.trim() + "%");
      return 0;
    }
  }

  @Command(name = "remove", description = "Remove an app's stored sampling: the proxies' trace-sampling applies again.")
  static final class Remove implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, required = true, description = "the app") String app;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      try (StorageClient storage = target.storage()) {
        if (!storage.find(COLLECTION, TAGS).contains(app)) {
          throw new CocaineException(ErrorCode.NOT_FOUND, "app '" + app + "' has no stored trace sampling");
        }
        storage.remove(COLLECTION, app);
      }
      spec.commandLine().getOut().println("trace sampling of app '" + app + "' removed");
      return 0;
    }
  }

  /** The percent the user typed, refused (exit 2) unless it is a number from 0 to 100. */
  static double percent(CommandLine.Model.CommandSpec spec, String typed) {
    double value;
    try {
      value = Double.parseDouble(typed.trim());
    } catch (NumberFormatException e) {
      value = Double.NaN;
    }
    if (!(value >= 0 && value <= 100)) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "PERCENT must be a number from 0 to 100, got '" + typed + "'");
    }
    return value;
  }
}
