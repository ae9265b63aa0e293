package cocaine.cluster;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/** The log lines of this JVM while open (a logback appender on the root logger), for tests that check what was logged. */
public final class CapturedLog extends AppenderBase<ILoggingEvent> implements AutoCloseable {
  private final List<String> lines = new CopyOnWriteArrayList<>();

  private CapturedLog() {}

  public static CapturedLog capture() {
    CapturedLog log = new CapturedLog();
    log.setContext(root().getLoggerContext());
    log.start();
    root().addAppender(log);
    return log;
  }

  private static Logger root() {
    return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }

  @Override
  protected void append(ILoggingEvent event) {
    lines.add(event.getLevel() + " " + event.getFormattedMessage());
  }

  /** True when a line of {@code level} holds every fragment. */
  public boolean has(Level level, String... fragments) {
    return lines.stream().anyMatch(l -> l.startsWith(level + " ") && List.of(fragments).stream().allMatch(l::contains));
  }

  /** How many lines of {@code level} hold every fragment. */
  public long count(Level level, String... fragments) {
    return lines.stream().filter(l -> l.startsWith(level + " ") && List.of(fragments).stream().allMatch(l::contains)).count();
  }

  /** How many lines of {@code level} are exactly {@code message} (not a fragment: see {@link #count}). */
  public long countExactly(Level level, String message) {
    return lines.stream().filter(l -> l.equals(level + " " + message)).count();
  }

  /** Every captured line, for assertion messages. */
  public String lines() {
    return String.join("\n", lines);
  }

  @Override
  public void close() {
    root().detachAppender(this);
    stop();
  }
}
