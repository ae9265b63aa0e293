package cocaine.logging;

import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Which log lines {@code cocaine logs} wants, whether the on-disk ring or a search engine answers.
 *
 * @param app   only lines of this app (source {@code app/<app>} or {@code app/<app>/...})
 * @param since only records stamped at or after this time
 * @param level only records at least this severe
 * @param grep  only lines whose message contains this text (case-insensitive)
 */
public record LogQuery(Optional<String> app, Instant since, Severity level, Optional<String> grep) {
  public LogQuery {
    Objects.requireNonNull(app, "app");
    Objects.requireNonNull(since, "since");
    Objects.requireNonNull(level, "level");
    Objects.requireNonNull(grep, "grep");
  }

  /** Everything the ring holds. */
  public static final LogQuery ALL = new LogQuery(Optional.empty(), Instant.EPOCH, Severity.DEBUG, Optional.empty());

  /** Whether a record fits; the ring's own test, the engine has its query. */
  public boolean matches(LogRecord record) {
    if (record.timestamp().isBefore(since) || record.severity().compareTo(level) < 0) {
      return false;
    }
    if (app.isPresent()) {
      String source = AppOutput.source(app.get());
      if (!record.source().equals(source) && !record.source().startsWith(source + "/")) {
        return false;
      }
    }
    return grep.isEmpty()
        || record.message().toLowerCase(Locale.ROOT).contains(grep.get().toLowerCase(Locale.ROOT));
  }
}
