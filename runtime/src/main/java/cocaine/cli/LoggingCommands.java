package cocaine.cli;

import cocaine.client.LoggingClient;
import cocaine.logging.Severity;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cocaine logging ...}: the logging service's loggers, filters and verbosity (logging v2). */
@Command(name = "logging", description = "List loggers and filters, set and remove filters, show or set the verbosity.",
    subcommands = {LoggingCommands.ListAll.class, LoggingCommands.SetFilter.class, LoggingCommands.RemoveFilter.class,
        LoggingCommands.Verbosity.class})
final class LoggingCommands {
  private static final ObjectMapper JSON = new ObjectMapper();

  private LoggingCommands() {}

  static LoggingClient client(Target target) throws IOException {
    return new LoggingClient(target.service("logging"), target.timeout, target.authorization());
  }

  @Command(name = "list", aliases = {"list_loggers", "list_filters"},
      description = "The loggers (sources) the node has seen and its live filters (local and cluster).")
  static final class ListAll implements Callable<Integer> {
    @Mixin Target target;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      try (LoggingClient logging = client(target)) {
        List<Map<String, Object>> filters = new ArrayList<>();
        for (LoggingClient.Filter f : logging.listFilters()) {
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("id", Long.toUnsignedString(f.id()));
          row.put("logger", f.logger());
          row.put("filter", f.filter());
          row.put("disposition", f.disposition() == LoggingClient.CLUSTER ? "cluster" : "local");
          filters.add(row);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("loggers", logging.listLoggers());
        out.put("filters", filters);
        Printer.print(spec.commandLine().getOut(), out);
      }
      return 0;
    }
  }

  @Command(name = "set-filter", aliases = "set_filter",
      description = "Write only the records of logger NAME that pass FILTER, for TTL seconds; prints the filter's id."
          + " FILTER is JSON: [\"severity\", 2], [\"==\", \"attr\", \"value\"], [\"&&\", F1, F2], ...")
  static final class SetFilter implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, required = true, description = "logger (source), e.g. app/echo; 'default' for"
        + " sources without filters of their own") String name;
    @Option(names = {"--filter", "--filter_def"}, required = true, paramLabel = "JSON") String filter;
    @Option(names = "--ttl", required = true, paramLabel = "SECONDS") long ttl;
    @Option(names = "--cluster", description = "on every node that shares the cluster storage (set_cluster_filter)")
    boolean cluster;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      Object definition;
      try {
        definition = JSON.readValue(filter, Object.class);
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException("--filter must be JSON, e.g. '[\"severity\", 2]': " + e.getOriginalMessage());
      }
      try (LoggingClient logging = client(target)) {
        long id = cluster ? logging.setClusterFilter(name, definition, ttl) : logging.setFilter(name, definition, ttl);
        spec.commandLine().getOut().println(Long.toUnsignedString(id));
      }
      return 0;
    }
  }

  @Command(name = "remove-filter", aliases = "remove_filter", description = "Remove a filter by its id, on this node"
      + " or, for a cluster filter, everywhere.")
  static final class RemoveFilter implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-i", "--filter-id", "--id"}, required = true, paramLabel = "ID") String id;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      long filterId;
      try {
        filterId = Long.parseUnsignedLong(id.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--filter-id must be a filter id as `cocaine logging list` shows it, got '"
            + id + "'");
      }
      try (LoggingClient logging = client(target)) {
        if (!logging.removeFilter(filterId)) {
          spec.commandLine().getErr().println("cocaine: no filter " + id + " on " + target.host + ":" + target.port);
          return ExitCodes.COCAINE.failure();
        }
        spec.commandLine().getOut().println("filter " + id + " removed");
      }
      return 0;
    }
  }

  @Command(name = "verbosity", description = "Print the node's verbosity, or set it to LEVEL (debug, info, warning,"
      + " error).")
  static final class Verbosity implements Callable<Integer> {
    @Mixin Target target;
    @Parameters(arity = "0..1", paramLabel = "LEVEL") String level;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      try (LoggingClient logging = client(target)) {
        if (level != null) {
          Severity severity;
          try {
            severity = Severity.valueOf(level.trim().toUpperCase(Locale.ROOT));
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("LEVEL must be debug, info, warning or error, got '" + level + "'");
          }
          logging.setVerbosity(severity.level());
        }
        Severity now = Severity.ofLevel(logging.verbosity());
        spec.commandLine().getOut().println(now == null ? String.valueOf(logging.verbosity()) : now.label());
      }
      return 0;
    }
  }
}
