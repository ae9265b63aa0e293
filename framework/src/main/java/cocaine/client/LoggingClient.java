package cocaine.client;

import cocaine.wire.Values;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.msgpack.value.Value;

/**
 * Client of the {@code logging} service. {@code emit} has no reply (the service drops messages below
 * its verbosity silently), so it only waits for the socket write.
 */
public final class LoggingClient implements AutoCloseable {
  public static final int DEBUG = 0;
  public static final int INFO = 1;
  public static final int WARNING = 2;
  public static final int ERROR = 3;

  private final ServiceClient service;
  private final Duration timeout;

  public LoggingClient(ServiceClient service, Duration timeout) {
    this.service = service;
    this.timeout = timeout;
  }

  /** Resolves {@code logging} at the locator and connects to it. */
  public static LoggingClient connect(String locatorHost, int locatorPort) throws IOException {
    return new LoggingClient(ServiceClient.connect(locatorHost, locatorPort, "logging"), Locator.DEFAULT_TIMEOUT);
  }

  /**
   * Sends one record. {@code source} is by convention {@code app/<name>}; attribute values may be
   * strings, integers, floats or booleans.
   */
  public void emit(int level, String source, String message, Map<String, ?> attributes) {
    List<Value> attrs = new ArrayList<>(attributes.size());
    for (Map.Entry<String, ?> e : attributes.entrySet()) {
      attrs.add(Values.array(Values.str(e.getKey()), Values.fromJava(e.getValue())));
    }
    if (attrs.isEmpty()) {
      service.call("emit", level, source, message);
    } else {
      service.call("emit", level, source, message, Values.array(attrs));
    }
  }

  public void emit(int level, String source, String message) {
    emit(level, source, message, Map.of());
  }

  /** The service's current verbosity: records below it are dropped. */
  public int verbosity() {
    List<Value> args = Connection.await(service.call("verbosity"), timeout, "logging verbosity()");
    return args.isEmpty() ? DEBUG : (int) Values.asLong(args.get(0));
  }

  public ServiceClient service() {
    return service;
  }

  @Override
  public void close() {
    service.close();
  }
}
