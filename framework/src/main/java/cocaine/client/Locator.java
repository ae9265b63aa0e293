package cocaine.client;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Graph;
import cocaine.wire.Header;
import cocaine.wire.Message;
import cocaine.wire.Protocol;
import cocaine.wire.Values;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.msgpack.value.Value;

/**
 * Client of the {@code locator} service (default {@code localhost:10053}): where a service listens
 * and what its protocol is, the cluster's nodes, routing groups (docs/protocol.md 2.6). Blocking calls
 * wait at most the locator's timeout.
 */
public final class Locator implements AutoCloseable {
  public static final int DEFAULT_PORT = 10053;
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  private static final Graph DISCARD = Graph.builder().edge(0, "discard", Graph.TERMINAL).build();
  /** The locator's own protocol (version 3), as its {@code resolve} would describe it. */
  public static final Protocol PROTOCOL = Protocol.builder()
      .method(0, "resolve", Graph.TERMINAL, Graph.PRIMITIVE)
      .method(1, "connect", Graph.TERMINAL, Graph.STREAMING)
      .method(2, "refresh", Graph.TERMINAL, Graph.PRIMITIVE)
      .method(3, "cluster", Graph.TERMINAL, Graph.PRIMITIVE)
      .method(4, "publish", DISCARD, Graph.PRIMITIVE)
      .method(5, "routing", DISCARD, Graph.STREAMING)
      .method(6, "uuid", Graph.TERMINAL, Graph.PRIMITIVE)
      .build();

  /** A service endpoint as the locator lists it: textual address (IPv6 without brackets) and port. */
  public record Endpoint(String host, int port) {
    public InetSocketAddress toAddress() {
      return new InetSocketAddress(host, port);
    }

    /**
     * Parses {@code host:port}, {@code [v6]:port} or a bare host (then {@code defaultPort}), as in
     * a worker's {@code --locator}.
     */
    public static Endpoint parse(String text, int defaultPort) {
      String s = text.trim();
      if (s.startsWith("[")) {
        int close = s.indexOf(']');
        if (close < 0) {
          throw new IllegalArgumentException("bad endpoint '" + text + "': missing ']'");
        }
        String host = s.substring(1, close);
        String rest = s.substring(close + 1);
        return new Endpoint(host, rest.startsWith(":") ? parsePort(text, rest.substring(1)) : defaultPort);
      }
      int colon = s.lastIndexOf(':');
      if (colon < 0 || s.indexOf(':') != colon) {
        return new Endpoint(s, defaultPort); // a bare host, or an IPv6 address without a port
      }
      return new Endpoint(s.substring(0, colon), parsePort(text, s.substring(colon + 1)));
    }

    private static int parsePort(String text, String port) {
      try {
        int p = Integer.parseInt(port);
        if (p < 1 || p > 65535) {
          throw new NumberFormatException();
        }
        return p;
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("bad endpoint '" + text + "': port must be 1-65535");
      }
    }

    @Override
    public String toString() {
      return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
  }

  /** The answer of {@code resolve}: where the service listens, its version and its protocol. */
  public record Resolved(String name, List<Endpoint> endpoints, int version, Map<Integer, String> methods, Value graph) {
    public Resolved {
      endpoints = List.copyOf(endpoints);
      methods = Collections.unmodifiableMap(new TreeMap<>(methods));
    }

    /** The graph parsed into a protocol, to open channels with the right dispatch/upstream. */
    public Protocol protocol() {
      return parseProtocol(graph);
    }

    /** The id of a method by name; {@code [7, 5]} naming the methods there are if it has none. */
    public int methodId(String method) {
      for (Map.Entry<Integer, String> e : methods.entrySet()) {
        if (e.getValue().equals(method)) {
          return e.getKey();
        }
      }
      throw new CocaineException(ErrorCode.SLOT_NOT_FOUND,
          "service '" + name + "' has no method '" + method + "'; it has " + methods.values());
    }
  }

  private final Connection connection;
  private final Duration timeout;

  private Locator(Connection connection, Duration timeout) {
    this.connection = connection;
    this.timeout = timeout;
  }

  /** The local locator at {@code localhost:10053}. */
  public static Locator connect() throws IOException {
    return connect("localhost", DEFAULT_PORT);
  }

  public static Locator connect(String host, int port) throws IOException {
    return connect(new InetSocketAddress(host, port), Connection.Settings.DEFAULT, DEFAULT_TIMEOUT);
  }

  public static Locator connect(InetSocketAddress address, Connection.Settings settings, Duration timeout)
      throws IOException {
    return new Locator(Connection.open(address, settings), timeout);
  }

  public Connection connection() {
    return connection;
  }

  public Duration timeout() {
    return timeout;
  }

  public CompletableFuture<Resolved> resolveAsync(String name) {
    return call(0, Values.str(name)).thenApply(args -> onLocatorsHost(toResolved(name, args)));
  }

  /**
   * A loopback endpoint in the answer means "the locator's own machine": reached from elsewhere (a
   * container on a bridge network, another host), it is replaced by the address this locator was
   * reached at, where that machine can be reached.
   */
  private Resolved onLocatorsHost(Resolved resolved) {
    InetSocketAddress locator = connection.remoteAddress();
    if (locator == null || locator.getAddress() == null || locator.getAddress().isLoopbackAddress()) {
      return resolved;
    }
    String host = locator.getAddress().getHostAddress();
    List<Endpoint> endpoints = resolved.endpoints().stream()
        .map(e -> isLoopback(e.host()) ? new Endpoint(host, e.port()) : e).toList();
    return endpoints.equals(resolved.endpoints()) ? resolved
        : new Resolved(resolved.name(), endpoints, resolved.version(), resolved.methods(), resolved.graph());
  }

  private static boolean isLoopback(String host) {
    return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
  }

  /** Resolves a service; an unknown one fails with {@code [10, 1] service is not available}. */
  public Resolved resolve(String name) {
    return Connection.await(resolveAsync(name), timeout, "resolve('" + name + "') at " + connection.peer());
  }

  /** Nodes of the cluster this locator knows: uuid to the node locator's endpoint. */
  public Map<String, Endpoint> cluster() {
    List<Value> args = Connection.await(call(3), timeout, "cluster() at " + connection.peer());
    Map<String, Endpoint> out = new LinkedHashMap<>();
    if (!args.isEmpty() && args.get(0).isMapValue()) {
      for (Map.Entry<Value, Value> e : args.get(0).asMapValue().entrySet()) {
        out.put(Values.asString(e.getKey()), toEndpoint(e.getValue()));
      }
    }
    return out;
  }

  /** Re-reads the named routing groups from storage. */
  public void refresh(List<String> groups) {
    refresh(groups, List.of());
  }

  /**
   * {@link #refresh(List)} with v12 headers: the {@code authorization} a runtime with an access
   * token wants.
   */
  public void refresh(List<String> groups, List<Header> headers) {
    Connection.await(connection.call(new Message(2, List.of(Values.strings(groups)), headers),
        PROTOCOL.method(2).upstream()), timeout, "refresh(" + groups + ") at " + connection.peer());
  }

  /** The node's uuid (0.12.14 {@code uuid}). */
  public String uuid() {
    List<Value> args = Connection.await(call(6), timeout, "uuid() at " + connection.peer());
    if (args.isEmpty()) {
      throw new CocaineException(ErrorCode.FRAME_FORMAT, "uuid() at " + connection.peer() + " returned no value");
    }
    return Values.asString(args.get(0));
  }

  /**
   * Subscribes to routing groups: the channel gets {@code write [{group: [[point, service], ...]}]}
   * now and after each refresh. Send {@code discard} (type 0) or cancel to stop.
   */
  public ClientChannel routing(String routerId) {
    Protocol.Method m = PROTOCOL.method(5);
    return connection.open(Message.of(m.id(), Values.str(routerId)), m.dispatch(), m.upstream());
  }

  private CompletableFuture<List<Value>> call(int method, Value... args) {
    return connection.call(Message.of(method, args), PROTOCOL.method(method).upstream());
  }

  @Override
  public void close() {
    connection.close();
  }

  static Resolved toResolved(String name, List<Value> args) {
    if (args.size() < 3 || !args.get(0).isArrayValue() || !args.get(1).isIntegerValue() || !args.get(2).isMapValue()) {
      throw new CocaineException(ErrorCode.FRAME_FORMAT,
          "resolve('" + name + "') returned " + args + ", expected [endpoints, version, graph]");
    }
    List<Endpoint> endpoints = new ArrayList<>();
    for (Value e : args.get(0).asArrayValue()) {
      endpoints.add(toEndpoint(e));
    }
    Map<Integer, String> methods = new TreeMap<>();
    for (Map.Entry<Value, Value> e : args.get(2).asMapValue().entrySet()) {
      Value entry = e.getValue();
      if (!e.getKey().isIntegerValue() || !entry.isArrayValue() || entry.asArrayValue().size() < 1) {
        throw new CocaineException(ErrorCode.FRAME_FORMAT, "resolve('" + name + "'): bad protocol entry " + e);
      }
      methods.put((int) Values.asLong(e.getKey()), Values.asString(entry.asArrayValue().get(0)));
    }
    return new Resolved(name, endpoints, (int) Values.asLong(args.get(1)), methods, args.get(2));
  }

  private static Endpoint toEndpoint(Value v) {
    if (!v.isArrayValue() || v.asArrayValue().size() < 2) {
      throw new CocaineException(ErrorCode.FRAME_FORMAT, "bad endpoint " + v + ", expected [host, port]");
    }
    return new Endpoint(Values.asString(v.asArrayValue().get(0)), (int) Values.asLong(v.asArrayValue().get(1)));
  }

  /**
   * Reads a root protocol {@code {id: [name, dispatch, upstream]}}: nil means recursive, {@code {}}
   * terminal (docs/protocol.md 2.2).
   */
  public static Protocol parseProtocol(Value graph) {
    try {
      return readProtocol(graph);
    } catch (CocaineException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new CocaineException(ErrorCode.FRAME_FORMAT, "unreadable protocol graph " + graph + ": " + e.getMessage(), e);
    }
  }

  private static Protocol readProtocol(Value graph) {
    if (!graph.isMapValue()) {
      throw new CocaineException(ErrorCode.FRAME_FORMAT, "a protocol must be a map, got " + graph.getValueType());
    }
    Protocol.Builder b = Protocol.builder();
    for (Map.Entry<Value, Value> e : graph.asMapValue().entrySet()) {
      var parts = e.getValue().asArrayValue();
      Graph dispatch = parts.size() > 1 ? parseGraph(parts.get(1)) : Graph.RECURSIVE;
      Graph upstream = parts.size() > 2 ? parseGraph(parts.get(2)) : Graph.RECURSIVE;
      b.method((int) Values.asLong(e.getKey()), Values.asString(parts.get(0)), dispatch, upstream);
    }
    return b.build();
  }

  /** A nested graph {@code {id: [name, next]}}; the standard ones come back as the shared constants. */
  public static Graph parseGraph(Value v) {
    if (v.isNilValue()) {
      return Graph.RECURSIVE;
    }
    if (!v.isMapValue()) {
      throw new CocaineException(ErrorCode.FRAME_FORMAT, "a protocol graph must be a map or nil, got " + v.getValueType());
    }
    if (v.asMapValue().size() == 0) {
      return Graph.TERMINAL;
    }
    Graph.Builder b = Graph.builder();
    for (Map.Entry<Value, Value> e : v.asMapValue().entrySet()) {
      var parts = e.getValue().asArrayValue();
      Graph next = parts.size() > 1 ? parseGraph(parts.get(1)) : Graph.RECURSIVE;
      b.edge((int) Values.asLong(e.getKey()), Values.asString(parts.get(0)), next);
    }
    Graph g = b.build();
    if (g.toValue().equals(Graph.PRIMITIVE.toValue())) {
      return Graph.PRIMITIVE;
    }
    if (g.toValue().equals(Graph.STREAMING.toValue())) {
      return Graph.STREAMING;
    }
    return g;
  }
}
