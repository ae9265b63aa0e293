package cocaine.client;

import cocaine.wire.Header;
import cocaine.wire.Values;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.msgpack.value.Value;

/**
 * Client of the {@code logging} service (v2). {@code emit} has no reply (the service drops messages
 * below its verbosity or refused by its filters silently), so it only waits for the socket write;
 * {@code emitAck} says whether the record was written. The filter methods carry the token given at
 * construction; {@link #read} streams the node's log ring.
 */
public final class LoggingClient implements AutoCloseable {
  public static final int DEBUG = 0;
  public static final int INFO = 1;
  public static final int WARNING = 2;
  public static final int ERROR = 3;

  /** Where a filter applies: this node only, or every node sharing the cluster storage. */
  public static final int LOCAL = 0;
  public static final int CLUSTER = 1;

  private final ServiceClient service;
  private final Duration timeout;
  private final List<Header> authorization;

  public LoggingClient(ServiceClient service, Duration timeout) {
    this(service, timeout, List.of());
  }

  /** @param authorization headers sent with the methods that change filters or verbosity */
  public LoggingClient(ServiceClient service, Duration timeout, List<Header> authorization) {
    this.service = service;
    this.timeout = timeout;
    this.authorization = List.copyOf(authorization);
  }

  /** One filter of {@link #listFilters}: its logger, its array form, its id and its disposition. */
  public record Filter(String logger, Object filter, long id, int disposition) {}

  /**
   * One line of the node's log ring.
   *
   * @param position stable across restarts: read again from {@code position + 1} to go on
   * @param timestamp ISO-8601
   * @param level 0 debug .. 3 error
   */
  public record Line(long position, String timestamp, int level, String source, String message,
      Map<String, Object> attributes) {
    /** A {@code read} chunk {@code [position, timestamp, level, source, message, attributes]}. */
    @SuppressWarnings("unchecked")
    public static Line of(List<Value> chunk) {
      if (chunk.size() < 6) {
        throw new IllegalArgumentException("a log line has 6 items, got " + chunk);
      }
      Object attributes = Values.toJava(chunk.get(5));
      return new Line(Values.asLong(chunk.get(0)), Values.asString(chunk.get(1)), (int) Values.asLong(chunk.get(2)),
          Values.asString(chunk.get(3)), Values.asString(chunk.get(4)),
          attributes instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of());
    }
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

  /** Like {@link #emit}; true when the record was written, false when the verbosity or a filter dropped it. */
  public boolean emitAck(int level, String source, String message, Map<String, ?> attributes) {
    List<Value> args = Connection.await(service.call("emit_ack", level, source, message, attributes(attributes)),
        timeout, "logging emit_ack()");
    return args.get(0).asBooleanValue().getBoolean();
  }

  /** Sets the verbosity (0 debug .. 3 error); needs the token when the node has one. */
  public void setVerbosity(int level) {
    Connection.await(service.callWith("set_verbosity", authorization, level), timeout, "logging set_verbosity()");
  }

  /** The sources the node has seen and those with filters. */
  public List<String> listLoggers() {
    return Values.asStrings(Connection.await(service.call("list_loggers"), timeout, "logging list_loggers()").get(0));
  }

  /**
   * A filter for records of {@code logger} on this node for {@code ttlSeconds}; returns its id.
   *
   * @param filter the array form, e.g. {@code List.of("severity", 2)} or {@code List.of("==", "app", "echo")}
   */
  public long setFilter(String logger, Object filter, long ttlSeconds) {
    return Values.asLong(Connection.await(service.callWith("set_filter", authorization, logger, filter, ttlSeconds),
        timeout, "logging set_filter()").get(0));
  }

  /** {@link #setFilter} on every node that shares this node's cluster storage. */
  public long setClusterFilter(String logger, Object filter, long ttlSeconds) {
    return Values.asLong(Connection.await(service.callWith("set_cluster_filter", authorization, logger, filter,
        ttlSeconds), timeout, "logging set_cluster_filter()").get(0));
  }

  /** True when a filter of that id was removed, false when there was none. */
  public boolean removeFilter(long id) {
    return Connection.await(service.callWith("remove_filter", authorization, id), timeout, "logging remove_filter()")
        .get(0).asBooleanValue().getBoolean();
  }

  /** The live filters of the node, local and cluster ones. */
  public List<Filter> listFilters() {
    List<Filter> out = new ArrayList<>();
    Value rows = Connection.await(service.call("list_filters"), timeout, "logging list_filters()").get(0);
    for (Value row : rows.asArrayValue()) {
      List<Value> r = row.asArrayValue().list();
      out.add(new Filter(Values.asString(r.get(0)), Values.toJava(r.get(1)), Values.asLong(r.get(2)),
          (int) Values.asLong(r.get(3))));
    }
    return out;
  }

  /**
   * Streams the node's log ring from {@code from} (0: the oldest line kept): {@code write} chunks
   * that {@link Line#of} reads, then {@code close}; with {@code follow}, new lines until cancelled.
   *
   * @param query {@code app}, {@code since} (epoch ms), {@code level} (0-3), {@code grep}; any may be left out
   */
  public ClientChannel read(long from, Map<String, ?> query, boolean follow) {
    return service.stream("read", authorization, from, query, follow);
  }

  private static Value attributes(Map<String, ?> attributes) {
    List<Value> attrs = new ArrayList<>(attributes.size());
    for (Map.Entry<String, ?> e : attributes.entrySet()) {
      attrs.add(Values.array(Values.str(e.getKey()), Values.fromJava(e.getValue())));
    }
    return Values.array(attrs);
  }

  public ServiceClient service() {
    return service;
  }

  @Override
  public void close() {
    service.close();
  }
}
