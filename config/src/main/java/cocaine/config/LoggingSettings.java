package cocaine.config;

import java.nio.file.Path;
import java.time.Duration;
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
 * @param ring      the on-disk ring of recent lines that {@code cocaine logs} reads without a search engine
 */
public record LoggingSettings(Verbosity verbosity, Set<Sink> sinks, Path filePath, Ring ring) {
  /**
   * {@code cocaine.logging.ring}.
   *
   * @param enabled      whether the node keeps the ring
   * @param path         its folder
   * @param segmentBytes size at which a segment file is closed and the next one started
   * @param segments     segment files kept; the ring holds about segments x segmentBytes
   * @param queueLimit   records waiting for the ring's writer; past it they are dropped and counted
   * @param followPoll   how often a following reader looks for new lines
   */
  public record Ring(boolean enabled, Path path, long segmentBytes, int segments, int queueLimit, Duration followPoll) {
    public Ring {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(followPoll, "followPoll");
    }

    static Ring from(SettingsReader r, Path filePath) {
      String path = r.string("path");
      Path folder = filePath.toAbsolutePath().getParent();
      return new Ring(r.bool("enabled"), path.isEmpty() ? folder.resolve("ring") : Path.of(path),
          r.bytes("segment-bytes", 4096, 1L << 30), (int) r.integer("segments", 2, 1000),
          (int) r.integer("queue-limit", 1, 1 << 20), r.duration("follow-poll"));
    }
  }

  /** Severities in increasing order, named as in the original runtime's config. */
  public enum Verbosity { DEBUG, INFO, WARNING, ERROR }

  /** Log destinations: stdout, or a JSON-lines file. */
  public enum Sink { CONSOLE, FILE }

  public LoggingSettings {
    Objects.requireNonNull(verbosity, "verbosity");
    Objects.requireNonNull(filePath, "filePath");
    Objects.requireNonNull(ring, "ring");
    sinks = sinks.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(sinks));
  }

  static LoggingSettings from(SettingsReader r) {
    Path filePath = Path.of(r.section("file").nonEmptyString("path"));
    return new LoggingSettings(
        r.oneOf("verbosity", Verbosity.class),
        Set.copyOf(r.enums("sinks", Sink.class)),
        filePath, Ring.from(r.section("ring"), filePath));
  }
}
