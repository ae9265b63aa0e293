package cocaine.proxy;

import cocaine.proxy.pool.LocatorClient;
import cocaine.rpc.channel.ClientConnection;
import cocaine.wire.Graph;
import cocaine.wire.Header;
import cocaine.wire.Message;
import cocaine.wire.Values;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.msgpack.value.Value;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JSON-RPC front of the tornado proxy (ECOSYSTEM.md 2.14): a request with the header
 * {@code X-Cocaine-JSON-RPC} carries {@code {"jsonrpc": "2.0", "method": "SERVICE.METHOD", "params":
 * [...], "id": ...}} (and for a streaming method {@code "chunks": [[name, args], ...]} to send), and
 * gets the call's {@code result} (a streaming call's chunks as a list) or the error as the tornado
 * proxy gave them. On only with {@code cocaine.proxy.json-rpc = on}: it reaches every service, not
 * only apps.
 */
final class JsonRpc {
  static final String HEADER = "X-Cocaine-JSON-RPC";
  private static final Logger log = LoggerFactory.getLogger(HttpProxy.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ContentType.WithCharset TYPE = MediaTypes.applicationWithOpenCharset("json-rpc")
      .toContentType(HttpCharsets.UTF_8);

  private final LocatorClient locator;
  private final Materializer mat;
  private final Duration timeout;
  private final long maxBodyBytes;

  JsonRpc(LocatorClient locator, Materializer mat, Duration timeout, long maxBodyBytes) {
    this.locator = locator;
    this.mat = mat;
    this.timeout = timeout;
    this.maxBodyBytes = maxBodyBytes;
  }

  /** Never fails: every problem becomes a JSON-RPC answer. */
  CompletionStage<HttpResponse> handle(HttpRequest request) {
    return request.entity().withSizeLimit(maxBodyBytes).toStrict(timeout.toMillis(), mat)
        .thenCompose(strict -> call(request, strict.getData().utf8String()))
        .exceptionally(failure -> badRequest(-32700, "Parse error: the request body could not be read: "
            + Exchange.unwrap(failure).getMessage()));
  }

  private CompletionStage<HttpResponse> call(HttpRequest request, String body) {
    Map<?, ?> payload;
    try {
      payload = JSON.readValue(body, Map.class);
    } catch (JsonProcessingException e) {
      return done(badRequest(-32700, "Parse error: Invalid JSON was received by the server."));
    }
    if (!payload.containsKey("jsonrpc") || !payload.containsKey("method") || !payload.containsKey("params")
        || !payload.containsKey("id") || !(payload.get("params") instanceof List<?> params)
        || !(payload.get("method") instanceof String method)) {
      return done(badRequest(-32600, "The JSON sent is not a valid Request object."));
    }
    int dot = method.indexOf('.');
    if (dot <= 0 || dot == method.length() - 1) {
      return done(badRequest(-32000, "method must be SERVICE.METHOD, got '" + method + "'"));
    }
    String service = method.substring(0, dot);
    String name = method.substring(dot + 1);
    Object id = payload.get("id");
    List<Header> headers = request.getHeader("Authorization")
        .map(h -> List.of(Header.of(Header.AUTHORIZATION, h.value()))).orElse(List.of());
    return locator.connectService(service).thenCompose(s -> {
      Optional<Api> api = Api.find(s.graph(), name);
      if (api.isEmpty()) {
        s.connection().close();
        return done(badRequest(-32601, "Method not found."));
      }
      Message first = new Message(api.get().id(), params.stream().map(Values::fromJava).toList(), headers);
      CompletionStage<Object> result = switch (api.get().kind()) {
        case MUTE -> mute(s.connection(), first);
        case PRIMITIVE -> primitive(s.connection(), first);
        case STREAMING -> streaming(s.connection(), first, payload.get("chunks"), api.get());
        case OTHER -> CompletableFuture.failedFuture(new UnsupportedOperationException());
      };
      return result.handle((r, failure) -> {
        s.connection().close();
        if (failure instanceof UnsupportedOperationException
            || Exchange.unwrap(failure) instanceof UnsupportedOperationException) {
          return badRequest(-32000, "Protocol type is not supported.");
        }
        if (failure != null) {
          return failed(method, id, Exchange.unwrap(failure));
        }
        Map<String, Object> ok = new LinkedHashMap<>();
        ok.put("jsonrpc", "2.0");
        ok.put("result", r == null ? List.of() : r);
        ok.put("id", id);
        return answer(200, ok);
      });
    }).exceptionally(failure -> failed(method, id, Exchange.unwrap(failure)));
  }

  /** A method without replies (e.g. logging's emit): sent, and answered with an empty result. */
  private CompletionStage<Object> mute(ClientConnection connection, Message first) {
    return Source.<Message>empty().via(connection.channel(first, Graph.TERMINAL)).takeWithin(timeout)
        .runWith(Sink.ignore(), mat).thenApply(d -> null);
  }

  private CompletionStage<Object> primitive(ClientConnection connection, Message first) {
    return connection.call(first).toCompletableFuture().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .thenApply(JsonRpc::result);
  }

  private CompletionStage<Object> streaming(ClientConnection connection, Message first, Object chunks, Api api) {
    List<Message> send = new ArrayList<>();
    if (chunks instanceof List<?> list) {
      for (Object chunk : list) {
        if (!(chunk instanceof List<?> c) || c.size() != 2 || !(c.get(1) instanceof List<?> args)
            || api.dispatch().get(String.valueOf(c.get(0))) == null) {
          return CompletableFuture.failedFuture(new IllegalArgumentException("each chunk must be [name, [args]] "
              + "with a name of " + api.dispatch().keySet() + ", got " + chunk));
        }
        send.add(new Message(api.dispatch().get(String.valueOf(c.get(0))),
            args.stream().map(Values::fromJava).toList(), List.of()));
      }
    }
    return Source.from(send).concat(Source.never())
        .via(connection.channel(first, Graph.STREAMING))
        .takeWithin(timeout)
        .runWith(Sink.seq(), mat)
        .thenApply(replies -> {
          List<Object> out = new ArrayList<>();
          for (Message m : replies) {
            if (m.type() == Graph.ERROR) {
              throw m.toException();
            }
            if (m.type() == Graph.WRITE) {
              out.add(result(m.args()));
            }
          }
          return out;
        });
  }

  /** A reply's arguments as JSON: one argument as itself, several as a list. */
  private static Object result(List<Value> args) {
    return args.size() == 1 ? Values.toJava(args.get(0)) : args.stream().map(Values::toJava).toList();
  }

  private HttpResponse failed(String method, Object id, Throwable cause) {
    log.info("JSON-RPC call {} failed: {}", method, cause.getMessage());
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("jsonrpc", "2.0");
    body.put("error", String.valueOf(cause.getMessage()));
    body.put("id", id);
    return answer(500, body);
  }

  private static HttpResponse badRequest(int code, String message) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("code", code);
    body.put("message", message);
    return answer(400, body);
  }

  private static HttpResponse answer(int status, Map<String, ?> body) {
    String text;
    try {
      text = JSON.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      text = "{\"code\": -32099, \"message\": \"the result cannot be written as JSON\"}";
      status = 500;
    }
    return HttpResponse.create().withStatus(StatusCodes.get(status)).addHeaders(ProxyError.common(null, null))
        .withEntity(HttpEntities.create(TYPE, text));
  }

  private static CompletionStage<HttpResponse> done(HttpResponse r) {
    return CompletableFuture.completedFuture(r);
  }

  /** How a method's replies come, from its graphs. */
  enum Kind { MUTE, PRIMITIVE, STREAMING, OTHER }

  /**
   * One method of a service.
   *
   * @param dispatch what the client may send on its channel: name -> message id
   */
  record Api(int id, Kind kind, Map<String, Integer> dispatch) {
    /** The method called name in a resolve's graph {@code {id: [name, dispatch, upstream]}}. */
    static Optional<Api> find(Value graph, String name) {
      if (graph == null || !graph.isMapValue()) {
        return Optional.empty();
      }
      for (Map.Entry<Value, Value> m : graph.asMapValue().entrySet()) {
        List<Value> method = m.getValue().asArrayValue().list();
        if (method.size() == 3 && Values.asString(method.get(0)).equals(name)) {
          Map<String, Integer> dispatch = names(method.get(1));
          Map<String, Integer> upstream = names(method.get(2));
          Kind kind = upstream.isEmpty() ? Kind.MUTE
              : upstream.keySet().equals(java.util.Set.of("value", "error")) ? Kind.PRIMITIVE
              : upstream.keySet().equals(java.util.Set.of("write", "error", "close"))
                  && dispatch.keySet().equals(upstream.keySet()) ? Kind.STREAMING : Kind.OTHER;
          return Optional.of(new Api((int) Values.asLong(m.getKey()), kind, dispatch));
        }
      }
      return Optional.empty();
    }

    private static Map<String, Integer> names(Value graph) {
      Map<String, Integer> out = new LinkedHashMap<>();
      if (graph.isMapValue()) {
        graph.asMapValue().entrySet().forEach(e -> out.put(Values.asString(e.getValue().asArrayValue().get(0)),
            (int) Values.asLong(e.getKey())));
      }
      return out;
    }
  }
}
