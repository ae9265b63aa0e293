package cocaine.logging;

/**
 * Where the {@link Logging} actor writes records. {@link #accept} is called on the actor's thread
 * and must not block for long: a sink that does IO keeps its own bounded queue.
 */
public interface Sink extends AutoCloseable {
  void accept(LogRecord record);

  /** Writes what is pending and releases the sink. */
  @Override
  void close();
}
