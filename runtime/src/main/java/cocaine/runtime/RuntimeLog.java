package cocaine.runtime;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import cocaine.logging.LogRecord;
import cocaine.logging.Severity;
import cocaine.logging.Sink;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * Ships the runtime's own slf4j log lines (source {@code runtime}) to sinks, the search engine's and
 * the log ring's: a logback appender on the root logger. It never blocks the logging thread: a sink
 * takes a record into its bounded queue or counts it as dropped. Console and file sinks are left out
 * on purpose, logback already writes these lines to stderr.
 */
final class RuntimeLog extends AppenderBase<ILoggingEvent> {
  static final String SOURCE = "runtime";
  static final String NAME = "cocaine-search";

  private final List<Sink> sinks;

  private RuntimeLog(List<Sink> sinks) {
    this.sinks = List.copyOf(sinks);
  }

  /** Adds the appender to the root logger; the returned one is started and can be detached. */
  static RuntimeLog attach(List<Sink> sinks) {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    RuntimeLog appender = new RuntimeLog(sinks);
    appender.setContext(context);
    appender.setName(NAME);
    appender.start();
    context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(appender);
    return appender;
  }

  void detach() {
    Logger root = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.detachAppender(this);
    stop();
  }

  @Override
  protected void append(ILoggingEvent event) {
    String message = event.getFormattedMessage();
    IThrowableProxy thrown = event.getThrowableProxy();
    if (thrown != null) {
      message = message + "\n" + ThrowableProxyUtil.asString(thrown);
    }
    Map<String, Object> attributes = new LinkedHashMap<>();
    attributes.put("logger", event.getLoggerName());
    attributes.put("thread", event.getThreadName());
    LogRecord record = new LogRecord(Instant.ofEpochMilli(event.getTimeStamp()), severity(event.getLevel()), SOURCE,
        message == null ? "" : message, attributes);
    for (Sink sink : sinks) {
      sink.accept(record);
    }
  }

  static Severity severity(Level level) {
    if (level.isGreaterOrEqual(Level.ERROR)) {
      return Severity.ERROR;
    }
    if (level.isGreaterOrEqual(Level.WARN)) {
      return Severity.WARNING;
    }
    return level.isGreaterOrEqual(Level.INFO) ? Severity.INFO : Severity.DEBUG;
  }
}
