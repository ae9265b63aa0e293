package cocaine.config;

import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * What the logging service writes and where ({@code cocaine.logging}).
 *
 * @param verbosity lowest severity written
 * @param sinks     where records go
 * @param filePath  JSON-lines file of the {@link Sink#FILE} sink
 */
public record LoggingSettings(Verbosity verbosity, Set<Sink> sinks, Path filePath) {
  /** Severities in increasing order, named as in the original runtime's config. */
  public enum Verbosity { DEBUG, INFO, WARNING, ERROR }

  /** Log destinations: stdout, or a JSON-lines file. */
  public enum Sink { CONSOLE, FILE }

  public LoggingSettings {
    Objects.requireNonNull(verbosity, "verbosity");
    Objects.requireNonNull(filePath, "filePath");
    sinks = sinks.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(sinks));
  }

  static LoggingSettings from(SettingsReader r) {
    return new LoggingSettings(
        r.oneOf("verbosity", Verbosity.class),
        Set.copyOf(r.enums("sinks", Sink.class)),
        Path.of(r.section("file").nonEmptyString("path")));
  }
}
