package cocaine.cli;

import cocaine.client.StorageClient;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cocaine crashlog ...}: what dead workers printed last. */
@Command(name = "crashlog", description = "List, view and remove crashlogs.",
    subcommands = {CrashlogCommands.ListAll.class, CrashlogCommands.View.class, CrashlogCommands.Remove.class,
        CrashlogCommands.RemoveAll.class})
final class CrashlogCommands {
  /** Keys are "<microseconds>:<uuid>", newest last. */
  static List<String> keys(StorageClient storage, String app, String day) {
    List<String> tags = new ArrayList<>(List.of(app));
    if (day != null) {
      tags.add("cocaine-" + parseDay(day));
    }
    List<String> keys = new ArrayList<>(storage.find("crashlogs", tags));
    keys.sort(Comparator.comparingLong(CrashlogCommands::timestamp));
    return keys;
  }

  static long timestamp(String key) {
    int colon = key.indexOf(':');
    try {
      return Long.parseLong(colon < 0 ? key : key.substring(0, colon));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  static LocalDate parseDay(String day) {
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    return switch (day) {
      case "today" -> today;
      case "yesterday" -> today.minusDays(1);
      default -> LocalDate.parse(day);
    };
  }

  @Command(name = "list", description = "List an app's crashlogs: timestamp, time, worker uuid.")
  static final class ListAll implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, required = true) String app;
    @Option(names = {"-d", "--day"}, description = "today, yesterday or YYYY-MM-DD") String day;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      try (StorageClient storage = target.storage()) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String key : keys(storage, app, day)) {
          long us = timestamp(key);
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("timestamp", us);
          row.put("time", Instant.ofEpochSecond(us / 1_000_000, (us % 1_000_000) * 1000).toString());
          row.put("uuid", key.substring(key.indexOf(':') + 1));
          out.add(row);
        }
        Printer.print(spec.commandLine().getOut(), out);
      }
      return 0;
    }
  }

  @Command(name = "view", description = "Print a crashlog (the latest without -t).")
  static final class View implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, required = true) String app;
    @Option(names = {"-t", "--timestamp"}) Long timestamp;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      try (StorageClient storage = target.storage()) {
        List<String> keys = keys(storage, app, null);
        String key = keys.stream().filter(k -> timestamp == null || timestamp(k) == timestamp)
            .reduce((a, b) -> b)
            .orElseThrow(() -> new CocaineException(ErrorCode.NOT_FOUND, "no crashlog of app '" + app + "'"
                + (timestamp == null ? "" : " at " + timestamp)));
        Object lines = Printer.unpack(storage.read("crashlogs", key));
        if (lines instanceof List<?> l) {
          l.forEach(line -> spec.commandLine().getOut().println(line));
        } else {
          Printer.print(spec.commandLine().getOut(), lines);
        }
      }
      return 0;
    }
  }

  @Command(name = "remove", description = "Remove one crashlog.")
  static final class Remove implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, required = true) String app;
    @Option(names = {"-t", "--timestamp"}, required = true) long timestamp;

    @Override
    public Integer call() throws IOException {
      try (StorageClient storage = target.storage()) {
        for (String key : keys(storage, app, null)) {
          if (timestamp(key) == timestamp) {
            storage.remove("crashlogs", key);
          }
        }
      }
      return 0;
    }
  }

  @Command(name = "removeall", description = "Remove every crashlog of an app.")
  static final class RemoveAll implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, required = true) String app;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      int n = 0;
      try (StorageClient storage = target.storage()) {
        for (String key : keys(storage, app, null)) {
          storage.remove("crashlogs", key);
          n++;
        }
      }
      spec.commandLine().getOut().println(n + " crashlogs removed");
      return 0;
    }
  }
}
