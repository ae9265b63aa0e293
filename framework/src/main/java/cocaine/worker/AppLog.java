package cocaine.worker;

import cocaine.client.Locator;
import cocaine.client.LoggingClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * An app's own log, as the original frameworks' {@code Logger}: records of source {@code app/<name>}
 * sent to the {@code logging} service of the node that runs the worker (resolved at its {@code
 * --locator}), which writes them to its sinks (log ring, search engine) tagged with the node's name,
 * so {@code cocaine logs --app NAME} finds them.
 *
 * <p>A handler never waits for the network: records are sent by one daemon thread; at most {@value
 * #QUEUE} wait for it, more are dropped and counted ({@link #dropped()}). While the logging service
 * cannot be reached, a record is printed on stderr instead (the node keeps a worker's output as lines
 * of {@code app/<name>} too) and a new connection is tried at most every {@link #RETRY}.
 */
public final class AppLog implements AutoCloseable {
  static final int QUEUE = 1024;
  static final Duration RETRY = Duration.ofSeconds(5);

  private final String source;
  private final List<Locator.Endpoint> locators;
  private final ThreadPoolExecutor sender;
  private final AtomicLong dropped = new AtomicLong();
  private final LongSupplier clock;
  private final Consumer<String> fallback;
  /** Only touched by the sender thread. */
  private LoggingClient client;
  private long nextAttemptNanos;
  private String unreachable;

  /**
   * @param nanoClock when to try connecting again ({@link System#nanoTime} but in tests)
   * @param fallback where a record goes while the logging service cannot be reached
   */
  AppLog(String app, List<Locator.Endpoint> locators, LongSupplier nanoClock, Consumer<String> fallback) {
    this.source = "app/" + app;
    this.locators = List.copyOf(locators);
    this.clock = nanoClock;
    this.fallback = fallback;
    this.nextAttemptNanos = nanoClock.getAsLong();
    this.sender = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE),
        Worker.daemon("cocaine-app-log"), (task, pool) -> dropped.incrementAndGet());
  }

  /** The log of the worker's app, sent to the logging service at the worker's {@code --locator}. */
  public static AppLog of(Worker.Settings settings) {
    return new AppLog(settings.app(), settings.locators(), System::nanoTime, System.err::println);
  }

  public void debug(String message, Map<String, ?> attributes) {
    emit(LoggingClient.DEBUG, message, attributes);
  }

  public void info(String message, Map<String, ?> attributes) {
    emit(LoggingClient.INFO, message, attributes);
  }

  public void warning(String message, Map<String, ?> attributes) {
    emit(LoggingClient.WARNING, message, attributes);
  }

  public void error(String message, Map<String, ?> attributes) {
    emit(LoggingClient.ERROR, message, attributes);
  }

  /**
   * Queues one record; returns at once. Attribute values may be strings, integers, floats or
   * booleans (anything else is sent as its string).
   *
   * @param level {@link LoggingClient#DEBUG} .. {@link LoggingClient#ERROR}
   */
  public void emit(int level, String message, Map<String, ?> attributes) {
    if (level < LoggingClient.DEBUG || level > LoggingClient.ERROR) {
      throw new IllegalArgumentException("level must be 0 (debug) .. 3 (error), got " + level);
    }
    Map<String, Object> attrs = new LinkedHashMap<>();
    attributes.forEach((k, v) -> attrs.put(k, v instanceof Number || v instanceof Boolean || v instanceof String
        ? v : String.valueOf(v)));
    if (!sender.isShutdown()) {
      sender.execute(() -> send(level, message, attrs));
    }
  }

  /** Records dropped because {@value #QUEUE} were already waiting to be sent. */
  public long dropped() {
    return dropped.get();
  }

  /** The source of every record: {@code app/<name>}. */
  public String source() {
    return source;
  }

  private void send(int level, String message, Map<String, Object> attributes) {
    LoggingClient logging = connected();
    if (logging != null) {
      try {
        logging.emit(level, source, message, attributes);
        return;
      } catch (RuntimeException e) {
        unreachable = e.getMessage();
        logging.close();
        client = null;
      }
    }
    fallback.accept(source + " " + List.of("DEBUG", "INFO", "WARNING", "ERROR").get(level) + " " + message
        + (attributes.isEmpty() ? "" : " " + attributes) + " (the logging service is unreachable: " + unreachable + ")");
  }

  private LoggingClient connected() {
    if (client != null && client.service().connection().isOpen()) {
      return client;
    }
    if (client != null) {
      client.close();
      client = null;
      unreachable = "its connection closed";
      nextAttemptNanos = clock.getAsLong();
    }
    if (clock.getAsLong() - nextAttemptNanos < 0) {
      return null;
    }
    nextAttemptNanos = clock.getAsLong() + RETRY.toNanos();
    if (locators.isEmpty()) {
      unreachable = "the worker was started without --locator";
      return null;
    }
    for (Locator.Endpoint at : locators) {
      try {
        client = LoggingClient.connect(at.host(), at.port());
        return client;
      } catch (Exception e) {
        unreachable = "locator " + at.host() + ":" + at.port() + ": " + e.getMessage();
      }
    }
    return null;
  }

  /** Sends what is queued (up to {@code wait}), then closes the connection. */
  public void close(Duration wait) {
    sender.shutdown();
    try {
      sender.awaitTermination(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    sender.shutdownNow();
    LoggingClient c = client;
    if (c != null) {
      c.close();
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(2));
  }
}
