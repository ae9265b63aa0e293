package cocaine.cli;

import cocaine.client.StorageClient;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.io.IOException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
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
    subcommands = {CrashlogCommands.Status.class, CrashlogCommands.ListAll.class, CrashlogCommands.View.class,
        CrashlogCommands.Remove.class, CrashlogCommands.RemoveAll.class, CrashlogCommands.Clean.class,
        CrashlogCommands.CleanRange.class})
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

  /**
   * A day as the original took it: {@code today}, {@code yesterday}, {@code D}, {@code D-M} or
   * {@code D-M-Y} (missing parts from today, UTC), or {@code YYYY-MM-DD}.
   */
  static LocalDate parseDay(String day) {
    return parseDay(day, LocalDate.now(ZoneOffset.UTC));
  }

  static LocalDate parseDay(String day, LocalDate today) {
    String d = day.trim();
    if (d.equals("today")) {
      return today;
    }
    if (d.equals("yesterday")) {
      return today.minusDays(1);
    }
    try {
      if (d.matches("\\d{4}-\\d{1,2}-\\d{1,2}")) {
        String[] p = d.split("-");
        return LocalDate.of(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]));
      }
      if (d.matches("\\d{1,2}(-\\d{1,2}(-\\d{4})?)?")) {
        String[] p = d.split("-");
        return LocalDate.of(p.length > 2 ? Integer.parseInt(p[2]) : today.getYear(),
            p.length > 1 ? Integer.parseInt(p[1]) : today.getMonthValue(), Integer.parseInt(p[0]));
      }
    } catch (DateTimeException e) {
      throw new IllegalArgumentException("'" + day + "' is not a day: " + e.getMessage());
    }
    throw new IllegalArgumentException("'" + day + "' is not a day: give today, yesterday, D, D-M, D-M-Y or YYYY-MM-DD");
  }

  /** The row of one crashlog: its timestamp (microseconds), the time it stands for, the worker's uuid. */
  static Map<String, Object> row(String key) {
    long us = timestamp(key);
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("timestamp", us);
    row.put("time", Instant.ofEpochSecond(us / 1_000_000, (us % 1_000_000) * 1000).toString());
    row.put("uuid", key.substring(key.indexOf(':') + 1));
    return row;
  }

  @Command(name = "status", description = "For each uploaded app with crashlogs: how many, and the latest.")
  static final class Status implements Callable<Integer> {
    @Mixin Target target;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      List<Map<String, Object>> out = new ArrayList<>();
      try (StorageClient storage = target.storage()) {
        for (String app : storage.find("manifests", AppCommands.APP_TAGS)) {
          List<String> keys = keys(storage, app, null);
          if (!keys.isEmpty()) {
            Map<String, Object> status = new LinkedHashMap<>();
            status.put("app", app);
            status.put("total", keys.size());
            status.put("last", row(keys.get(keys.size() - 1)));
            out.add(status);
          }
        }
      }
      out.sort(Comparator.comparingLong(s -> (long) ((Map<?, ?>) s.get("last")).get("timestamp")));
      HumanOutput.print(target, spec.commandLine().getOut(), out, "CRASHLOG");
      return 0;
    }
  }

  @Command(name = "list", description = "List an app's crashlogs: timestamp, time, worker uuid.")
  static final class ListAll implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, required = true) String app;
    @Option(names = {"-d", "--day"}, description = "today, yesterday, D, D-M, D-M-Y or YYYY-MM-DD") String day;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      try (StorageClient storage = target.storage()) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String key : keys(storage, app, day)) {
          out.add(row(key));
        }
        HumanOutput.print(target, spec.commandLine().getOut(), out, "CRASHLOG");
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

  @Command(name = "clean", description = "Keep an app's newest --size crashlogs, or with -t remove those older than TIMESTAMP.")
  static final class Clean implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, required = true) String app;
    @Option(names = {"-s", "--size"}, defaultValue = "1000", description = "how many to keep (default: ${DEFAULT-VALUE})")
    int size;
    @Option(names = {"-t", "--timestamp"}, description = "remove those older than this: microseconds since the epoch"
        + " or a UTC time YYYY-MM-DDTHH:MM:SS") String timestamp;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      if (size < 0) {
        throw new IllegalArgumentException("--size " + size + ": give how many crashlogs to keep, 0 or more");
      }
      long before = timestamp == null ? 0 : micros(timestamp);
      int n = 0;
      try (StorageClient storage = target.storage()) {
        List<String> keys = keys(storage, app, null);
        List<String> doomed = timestamp != null
            ? keys.stream().filter(k -> timestamp(k) < before).toList()
            : keys.subList(0, Math.max(0, keys.size() - size));
        for (String key : doomed) {
          storage.remove("crashlogs", key);
          n++;
        }
      }
      spec.commandLine().getOut().println(n + " crashlogs of '" + app + "' removed");
      return 0;
    }

    static long micros(String timestamp) {
      try {
        return Long.parseLong(timestamp);
      } catch (NumberFormatException notANumber) {
        try {
          Instant at = LocalDateTime.parse(timestamp).toInstant(ZoneOffset.UTC);
          return at.getEpochSecond() * 1_000_000 + at.getNano() / 1000;
        } catch (DateTimeException e) {
          throw new IllegalArgumentException("-t '" + timestamp + "' is neither microseconds since the epoch nor a"
              + " time YYYY-MM-DDTHH:MM:SS");
        }
      }
    }
  }

  @Command(name = "cleanrange", description = "Remove the crashlogs of every app from one day up to another, by their day tags.")
  static final class CleanRange implements Callable<Integer> {
    /** The longest range, so that a typo in a year does not make a thousand-year loop of storage calls. */
    private static final int MAX_DAYS = 3660;

    @Mixin Target target;
    @Option(names = {"--from-day", "--from_day"}, required = true, description = "first day: today, yesterday, D, D-M,"
        + " D-M-Y or YYYY-MM-DD") String fromDay;
    @Option(names = {"--up-to-day", "--up_to_day"}, defaultValue = "yesterday", description = "last day, included"
        + " (default: ${DEFAULT-VALUE})") String upToDay;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      LocalDate from = parseDay(fromDay);
      LocalDate to = parseDay(upToDay);
      if (from.isAfter(to)) {
        throw new IllegalArgumentException("--from-day " + from + " is after --up-to-day " + to + ": swap them");
      }
      if (from.plusDays(MAX_DAYS).isBefore(to)) {
        throw new IllegalArgumentException(from + " to " + to + " is more than " + MAX_DAYS + " days: give a shorter range");
      }
      int total = 0;
      try (StorageClient storage = target.storage()) {
        for (LocalDate day = from; !day.isAfter(to); day = day.plusDays(1)) {
          List<String> keys = storage.find("crashlogs", List.of("cocaine-" + day));
          for (String key : keys) {
            storage.remove("crashlogs", key);
          }
          if (!keys.isEmpty()) {
            spec.commandLine().getOut().println(day + ": " + keys.size() + " removed");
            spec.commandLine().getOut().flush();
          }
          total += keys.size();
        }
      }
      spec.commandLine().getOut().println(total + " crashlogs from " + from + " to " + to + " removed");
      return 0;
    }
  }
}
