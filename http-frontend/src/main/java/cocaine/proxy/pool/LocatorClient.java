package cocaine.proxy.pool;

import cocaine.rpc.channel.ClientConnection;
import cocaine.rpc.transport.ConnectionSettings;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Header;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorSystem;
import org.msgpack.value.Value;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy's way into the cluster, over the wire only: resolves apps through the locator's TCP
 * port and connects to them, and reads manifests through the storage service it resolves the
 * same way. The locator and storage connections are shared and made again when they drop. With
 * several locators it uses the one that last answered and goes on to the next when it cannot
 * connect (like the tornado proxy's {@code --locators}). Thread-safe.
 */
public final class LocatorClient {
  private static final Logger log = LoggerFactory.getLogger(LocatorClient.class);
  private static final int RESOLVE = 0;
  private static final int STORAGE_READ = 0;

  private final ActorSystem<?> system;
  private final List<Endpoint> locators;
  /** Index in {@link #locators} of the one that last accepted a connection. */
  private volatile int preferred;
  private final ConnectionSettings settings;
  private final Duration timeout;
  private final List<Header> storageHeaders;
  private CompletableFuture<ClientConnection> locator;
  private CompletableFuture<ClientConnection> storage;

  /**
   * @param timeout longest one resolve, connect or storage read may take
   */
  public LocatorClient(ActorSystem<?> system, String host, int port, ConnectionSettings settings, Duration timeout) {
    this(system, host, port, settings, timeout, List.of());
  }

  /**
   * @param timeout longest one resolve, connect or storage read may take
   * @param storageHeaders sent with the reads of manifests: the {@code authorization} a runtime with
   *     an access token wants (never sent to apps)
   */
  public LocatorClient(ActorSystem<?> system, String host, int port, ConnectionSettings settings, Duration timeout,
      List<Header> storageHeaders) {
    this(system, List.of(new Endpoint(host, port)), settings, timeout, storageHeaders);
  }

  /**
   * @param locators "host:port" of each locator, in order of preference
   * @param timeout longest one resolve, connect or storage read may take
   * @param storageHeaders sent with the reads of manifests (never sent to apps)
   */
  public static LocatorClient of(ActorSystem<?> system, List<String> locators, ConnectionSettings settings,
      Duration timeout, List<Header> storageHeaders) {
    return new LocatorClient(system, locators.stream().map(Endpoint::parse).toList(), settings, timeout,
        storageHeaders);
  }

  private LocatorClient(ActorSystem<?> system, List<Endpoint> locators, ConnectionSettings settings, Duration timeout,
      List<Header> storageHeaders) {
    if (locators.isEmpty()) {
      throw new IllegalArgumentException("no locator given");
    }
    this.storageHeaders = List.copyOf(storageHeaders);
    this.system = system;
    this.locators = List.copyOf(locators);
    this.settings = settings;
    this.timeout = timeout;
  }

  /**
   * A connection to a service and the protocol its resolve described.
   *
   * @param graph the service's methods as the locator sent them: {@code {id: [name, dispatch, upstream]}}
   */
  public record ServiceConnection(ClientConnection connection, Value graph) {}

  /**
   * Resolves a service (or app) and connects to it on a connection of the caller's own, for one
   * call by method name (the proxy's JSON-RPC). Fails like {@link #connect}.
   */
  public CompletionStage<ServiceConnection> connectService(String name) {
    return locatorConnection()
        .thenCompose(c -> timed(c.call(RESOLVE, Values.str(name)), "resolve('" + name + "') at " + address()))
        .thenCompose(reply -> {
          Value graph = reply.size() > 2 ? reply.get(2) : Values.nil();
          return connectFirst(name, endpoints(name, reply), 0, null)
              .thenApply(app -> new ServiceConnection(app.connection(), graph));
        });
  }

  /** A connection to an app and where it leads. */
  public record AppConnection(ClientConnection connection, String endpoint) {}

  /** "host:port" of the locator in use (the others, when there are, follow in brackets). */
  public String address() {
    Endpoint now = locators.get(preferred);
    return locators.size() == 1 ? now.toString() : now + " (of " + locators + ")";
  }

  /**
   * Completes when a locator accepts a connection (the shared one, made again if it dropped);
   * fails with {@link ErrorCode#NOT_CONNECTED} when none does in time.
   */
  public CompletionStage<Void> reachable() {
    return locatorConnection().thenApply(c -> null);
  }

  /**
   * Resolves app (a routing group resolves to one of its members, picked by weight by the
   * locator) and connects to the first of its endpoints that accepts. Fails with the locator's
   * error ([10, 1] for an unknown app) or {@link ErrorCode#NOT_CONNECTED}.
   */
  public CompletionStage<AppConnection> connect(String app) {
    return resolve(app).thenCompose(endpoints -> connectFirst(app, endpoints, 0, null));
  }

  /**
   * The app's manifest as a plain map, or empty when storage has none under that name (e.g. the
   * name is a routing group). Fails when the storage service cannot be reached.
   */
  public CompletionStage<Optional<Map<String, Object>>> manifest(String app) {
    return storageConnection()
        .thenCompose(c -> timed(c.call(Message.of(STORAGE_READ, Values.str("manifests"), Values.str(app)).withHeaders(storageHeaders)),
            "read of manifests/" + app))
        .handle((reply, failure) -> {
          if (failure == null) {
            return Optional.of(decodeMap(app, reply));
          }
          Throwable cause = unwrap(failure);
          if (cause instanceof CocaineException e && e.code().equals(ErrorCode.NOT_FOUND)) {
            return Optional.<Map<String, Object>>empty();
          }
          throw cause instanceof RuntimeException r ? r : new CompletionException(cause);
        });
  }

  /**
   * A connection of the caller's own to the locator, for a long-lived stream such as
   * {@code routing}: closing it ends the stream on the locator's side too. Fails like
   * {@link #connect} when the locator cannot be reached in time.
   */
  public CompletionStage<ClientConnection> connectToLocator() {
    return connectToAnyLocator(preferred, 0, null);
  }

  /**
   * A connection of the caller's own to the storage service, for a long-lived stream such as a
   * watch: closing it ends the stream.
   */
  public CompletionStage<ClientConnection> connectToStorage() {
    return resolve("storage").thenCompose(endpoints -> connectFirst("storage", endpoints, 0, null))
        .thenApply(AppConnection::connection);
  }

  /** Tries the locators from index i on (wrapping), at most once each; the first that accepts is preferred. */
  private CompletionStage<ClientConnection> connectToAnyLocator(int i, int tried, Throwable last) {
    if (tried >= locators.size()) {
      return CompletableFuture.failedFuture(last);
    }
    int at = i % locators.size();
    Endpoint e = locators.get(at);
    return connectTimed(e.host(), e.port(), "connect to the locator at " + e)
        .handle((c, failure) -> {
          if (failure == null) {
            if (preferred != at) {
              log.info("resolving through the locator at {} now", e);
              preferred = at;
            }
            return CompletableFuture.completedFuture(c);
          }
          if (locators.size() > 1) {
            log.warn("locator at {} cannot be reached ({}); trying the next one", e, unwrap(failure).getMessage());
          }
          return connectToAnyLocator(at + 1, tried + 1, unwrap(failure));
        })
        .thenCompose(x -> x);
  }

  /** Closes the shared connections; later calls connect again. */
  public synchronized void close() {
    closeQuietly(locator);
    closeQuietly(storage);
    locator = null;
    storage = null;
  }

  private CompletionStage<List<Endpoint>> resolve(String name) {
    return locatorConnection()
        .thenCompose(c -> timed(c.call(RESOLVE, Values.str(name)), "resolve('" + name + "') at " + address()))
        .thenApply(reply -> endpoints(name, reply));
  }

  private CompletionStage<AppConnection> connectFirst(String app, List<Endpoint> endpoints, int i,
      Throwable last) {
    if (i >= endpoints.size()) {
      String why = last != null ? unwrap(last).getMessage() : "the locator returned no endpoints";
      return CompletableFuture.failedFuture(new CocaineException(ErrorCode.NOT_CONNECTED,
          "cannot connect to app '" + app + "' at " + endpoints + ": " + why));
    }
    Endpoint e = endpoints.get(i);
    return connectTimed(e.host(), e.port(), "connect to " + e)
        .thenApply(c -> new AppConnection(c, e.toString()))
        .handle((ok, failure) -> failure == null
            ? CompletableFuture.completedFuture(ok)
            : connectFirst(app, endpoints, i + 1, failure))
        .thenCompose(x -> x);
  }

  private synchronized CompletionStage<ClientConnection> locatorConnection() {
    if (unusable(locator)) {
      closeQuietly(locator);
      locator = connectToAnyLocator(preferred, 0, null).toCompletableFuture();
    }
    return locator;
  }

  private synchronized CompletionStage<ClientConnection> storageConnection() {
    if (unusable(storage)) {
      closeQuietly(storage);
      storage = resolve("storage")
          .thenCompose(endpoints -> connectFirst("storage", endpoints, 0, null))
          .thenApply(AppConnection::connection)
          .toCompletableFuture();
    }
    return storage;
  }

  private static boolean unusable(CompletableFuture<ClientConnection> c) {
    return c == null || c.isCompletedExceptionally()
        || (c.isDone() && c.join().closed().toCompletableFuture().isDone());
  }

  private static void closeQuietly(CompletableFuture<ClientConnection> c) {
    if (c != null) {
      c.thenAccept(ClientConnection::close);
    }
  }

  /** A connect that gives up after the timeout, closing the connection should it come later. */
  private CompletionStage<ClientConnection> connectTimed(String h, int p, String what) {
    CompletableFuture<ClientConnection> attempt = ClientConnection.connect(system, h, p, settings).toCompletableFuture();
    CompletionStage<ClientConnection> result = timed(attempt, what);
    result.whenComplete((c, failure) -> {
      if (failure != null) {
        attempt.thenAccept(ClientConnection::close);
      }
    });
    return result;
  }

  private <T> CompletionStage<T> timed(CompletionStage<T> stage, String what) {
    return stage.toCompletableFuture().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .exceptionally(failure -> {
          Throwable cause = unwrap(failure);
          if (cause instanceof TimeoutException) {
            throw new CocaineException(ErrorCode.NOT_CONNECTED, what + " took longer than " + timeout.toMillis()
                + " ms");
          }
          throw cause instanceof RuntimeException r ? r : new CompletionException(cause);
        });
  }

  private record Endpoint(String host, int port) {
    /** "host:port", "[v6]:port" or "v6:port" (the last colon separates the port). */
    static Endpoint parse(String hostPort) {
      int colon = hostPort.lastIndexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException("locator '" + hostPort + "' is not host:port");
      }
      String h = hostPort.substring(0, colon).trim();
      if (h.startsWith("[") && h.endsWith("]")) {
        h = h.substring(1, h.length() - 1);
      }
      return new Endpoint(h, Integer.parseInt(hostPort.substring(colon + 1).trim()));
    }

    @Override
    public String toString() {
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
  }

  private List<Endpoint> endpoints(String name, List<Value> reply) {
    try {
      List<Endpoint> out = new ArrayList<>();
      for (Value e : reply.get(0).asArrayValue()) {
        var pair = e.asArrayValue();
        out.add(new Endpoint(Values.asString(pair.get(0)), (int) Values.asLong(pair.get(1))));
      }
      return out;
    } catch (RuntimeException e) {
      log.warn("locator {} answered resolve('{}') with an unreadable reply {}: {}", address(), name, reply,
          e.toString());
      throw new CocaineException(ErrorCode.FRAME_FORMAT, "locator " + address() + " answered resolve('" + name
          + "') with an unreadable reply");
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> decodeMap(String app, List<Value> reply) {
    try {
      Object manifest = Values.toJava(Values.unpack(Values.asBytes(reply.get(0))));
      if (!(manifest instanceof Map)) {
        throw new CocaineException(ErrorCode.INVALID, "manifest of '" + app + "' is not a map");
      }
      return (Map<String, Object>) manifest;
    } catch (RuntimeException e) {
      if (e instanceof CocaineException c) {
        throw c;
      }
      throw new CocaineException(ErrorCode.INVALID, "manifest of '" + app + "' is not msgpack: " + e);
    }
  }

  /** The failure inside the wrappers a completion stage puts around it. */
  public static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
