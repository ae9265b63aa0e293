package cocaine.cli;

import cocaine.client.StorageClient;
import cocaine.proxy.StoredFeed;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.io.IOException;
import java.time.Duration;
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
 * {@code cocaine timeouts ...}: the HTTP proxies' per-app and per-event timeouts, kept in storage
 * ({@code timeouts/<app>} = {event: seconds}, "" for every event) and applied by every proxy live,
 * like the tornado proxy's {@code /proxy_apps_timeouts} in unicorn.
 */
@Command(name = "timeouts", description = "Manage the HTTP proxies' per-app and per-event timeouts (applied live).",
    subcommands = {TimeoutCommands.ListAll.class, TimeoutCommands.Set.class, TimeoutCommands.Remove.class})
final class TimeoutCommands {
  static final String COLLECTION = StoredFeed.TIMEOUTS;
  static final List<String> TAGS = List.of(StoredFeed.TIMEOUTS);
  /** Longest timeout accepted: a day (the proxy refuses a stored one above it). */
  static final Duration LONGEST = Duration.ofDays(1);

  private TimeoutCommands() {}

  @Command(name = "list", description = "Print every app's timeouts as JSON {app: {event: seconds}} (\"\" = every event).")
  static final class ListAll implements Callable<Integer> {
    @Mixin Target target;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      Map<String, Object> all = new LinkedHashMap<>();
      try (StorageClient storage = target.storage()) {
        for (String app : storage.find(COLLECTION, TAGS).stream().sorted().toList()) {
          all.put(app, StoredObjects.readMap(storage, COLLECTION, app));
        }
      }
      Printer.print(spec.commandLine().getOut(), all);
      return 0;
    }
  }

  @Command(name = "set", description = "Set the timeout of an app, or of one of its events (e.g. 5s, 1500ms).")
  static final class Set implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, required = true, description = "the app") String app;
    @Option(names = {"-e", "--event"}, defaultValue = "", description = "the event (default: every event)")
    String event;
    @Parameters(index = "0", paramLabel = "TIMEOUT", converter = DurationConverter.class) Duration timeout;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      if (timeout.isZero() || timeout.isNegative() || timeout.compareTo(LONGEST) > 0) {
        throw new CommandLine.ParameterException(spec.commandLine(), "TIMEOUT must be above 0 and at most "
            + LONGEST.toHours() + "h, got " + timeout.toMillis() + " ms");
      }
      try (StorageClient storage = target.storage()) {
        Map<String, Object> events = stored(storage, app);
        long ms = timeout.toMillis();
        events.put(event, ms % 1000 == 0 ? (Object) (ms / 1000) : (Object) (ms / 1000.0));
        storage.write(COLLECTION, app, Printer.pack(events), TAGS);
      }
      spec.commandLine().getOut().println("timeout of " + what(app, event) + " set to " + timeout.toMillis() + " ms");
      return 0;
    }
  }

  @Command(name = "remove", description = "Remove the timeouts of an app (or of one event): the proxy's apply again.")
  static final class Remove implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, required = true, description = "the app") String app;
    @Option(names = {"-e", "--event"}, description = "only this event's (\"\" = the app-wide one)") String event;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      try (StorageClient storage = target.storage()) {
        Map<String, Object> events = stored(storage, app);
        if (event != null && events.remove(event) == null) {
          throw new CocaineException(ErrorCode.NOT_FOUND, what(app, event) + " has no timeout of its own");
        }
        if (event == null || events.isEmpty()) {
          storage.remove(COLLECTION, app);
        } else {
          storage.write(COLLECTION, app, Printer.pack(events), TAGS);
        }
      }
      spec.commandLine().getOut().println("timeout of " + what(app, event == null ? "" : event) + " removed");
      return 0;
    }
  }

  /** The app's stored timeouts, empty when it has none. */
  private static Map<String, Object> stored(StorageClient storage, String app) {
    try {
      return StoredObjects.readMap(storage, COLLECTION, app);
    } catch (CocaineException e) {
      if (e.code().equals(ErrorCode.NOT_FOUND)) {
        return new LinkedHashMap<>();
      }
      throw e;
    }
  }

  private static String what(String app, String event) {
    return event.isEmpty() ? "app '" + app + "'" : "event '" + event + "' of app '" + app + "'";
  }
}
