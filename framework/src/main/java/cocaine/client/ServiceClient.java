package cocaine.client;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Header;
import cocaine.wire.Message;
import cocaine.wire.Protocol;
import cocaine.wire.Values;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.msgpack.value.Value;

/**
 * A connection to one named service, with its methods known by name from {@code resolve}: call
 * request/response methods, open streams, {@code enqueue} events on an app. Arguments given as
 * plain Java objects are converted with {@link Values#fromJava}.
 */
public final class ServiceClient implements AutoCloseable {
  private final Locator.Resolved resolved;
  private final Protocol protocol;
  private final Connection connection;

  private ServiceClient(Locator.Resolved resolved, Connection connection) {
    this.resolved = resolved;
    this.protocol = resolved.protocol();
    this.connection = connection;
  }

  /** Resolves {@code serviceName} at the locator, then connects to its first reachable endpoint. */
  public static ServiceClient connect(String locatorHost, int locatorPort, String serviceName) throws IOException {
    try (Locator locator = Locator.connect(locatorHost, locatorPort)) {
      return connect(locator.resolve(serviceName), Connection.Settings.DEFAULT);
    }
  }

  public static ServiceClient connect(Locator locator, String serviceName) throws IOException {
    return connect(locator.resolve(serviceName), locator.connection().settings());
  }

  /** Connects to the endpoints of an earlier resolve, in order, until one accepts. */
  public static ServiceClient connect(Locator.Resolved resolved, Connection.Settings settings) throws IOException {
    if (resolved.endpoints().isEmpty()) {
      throw new CocaineException(ErrorCode.SERVICE_NOT_AVAILABLE, "service '" + resolved.name() + "' has no endpoints");
    }
    IOException last = null;
    for (Locator.Endpoint e : resolved.endpoints()) {
      try {
        return new ServiceClient(resolved, Connection.open(e.toAddress(), settings));
      } catch (IOException ex) {
        last = ex;
      }
    }
    throw new IOException("service '" + resolved.name() + "': no endpoint of " + resolved.endpoints()
        + " accepts connections (last: " + last.getMessage() + ")", last);
  }

  public String name() {
    return resolved.name();
  }

  public Locator.Resolved resolved() {
    return resolved;
  }

  public Protocol protocol() {
    return protocol;
  }

  public Connection connection() {
    return connection;
  }

  /**
   * Calls a request/response method. The future gets the {@code value} args, or fails with the
   * {@code error} as CocaineException. Throws {@code [7, 5]} at once for an unknown method.
   */
  public CompletableFuture<List<Value>> call(String method, Object... args) {
    Protocol.Method m = method(method);
    return connection.call(new Message(m.id(), toValues(args), List.of()), m.upstream());
  }

  /** {@link #call(String, Object...)} with v12 headers, e.g. {@code authorization} on a mutating call. */
  public CompletableFuture<List<Value>> callWith(String method, List<Header> headers, Object... args) {
    Protocol.Method m = method(method);
    return connection.call(new Message(m.id(), toValues(args), headers), m.upstream());
  }

  /** Opens a channel on a method with a streaming exchange; see {@link ClientChannel}. */
  public ClientChannel stream(String method, Object... args) {
    return stream(method, List.of(), args);
  }

  public ClientChannel stream(String method, List<Header> headers, Object... args) {
    Protocol.Method m = method(method);
    return connection.open(new Message(m.id(), toValues(args), headers), m.dispatch(), m.upstream());
  }

  /** An app's {@code enqueue(event)}: write request chunks, close, read the reply chunks. */
  public ClientChannel enqueue(String event) {
    return stream("enqueue", event);
  }

  /** {@code enqueue} with v12 headers, e.g. {@code request_timeout} or trace ids. */
  public ClientChannel enqueue(String event, List<Header> headers) {
    return stream("enqueue", headers, event);
  }

  private Protocol.Method method(String name) {
    for (Protocol.Method m : protocol.methods().values()) {
      if (m.name().equals(name)) {
        return m;
      }
    }
    throw new CocaineException(ErrorCode.SLOT_NOT_FOUND,
        "service '" + resolved.name() + "' has no method '" + name + "'; it has " + resolved.methods().values());
  }

  private static List<Value> toValues(Object[] args) {
    List<Value> out = new ArrayList<>(args.length);
    for (Object a : args) {
      out.add(Values.fromJava(a));
    }
    return out;
  }

  @Override
  public void close() {
    connection.close();
  }
}
