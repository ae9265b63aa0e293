package cocaine.logging.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A stand-in for Elasticsearch in unit tests: answers {@code _index_template} and {@code _bulk} the
 * way the engine does (201 per new id, 409 for an id it holds), can be made to fail or go away.
 */
final class FakeEngine implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Documents by id, in arrival order. */
  final Map<String, JsonNode> documents = new LinkedHashMap<>();
  final List<String> indices = new CopyOnWriteArrayList<>();
  final List<String> requests = new CopyOnWriteArrayList<>();
  final AtomicInteger bulkRequests = new AtomicInteger();
  /** Most documents seen in one bulk request. */
  final AtomicInteger largestBulk = new AtomicInteger();
  final List<String> authorizations = new CopyOnWriteArrayList<>();
  final List<String> searches = new CopyOnWriteArrayList<>();
  /** What {@code _search} answers. */
  volatile String searchAnswer = "{\"hits\":{\"hits\":[]}}";
  /** Status of the whole next requests (200 = normal). */
  volatile int status = 200;
  /** Per-document status for documents the engine would otherwise take (null = take it). */
  volatile Function<JsonNode, Integer> itemStatus = doc -> null;
  private final int port;
  private HttpServer server;

  private FakeEngine(int port) throws IOException {
    this.port = port;
    up();
  }

  static FakeEngine start() throws IOException {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    return new FakeEngine(port);
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** Stops listening: connections are refused, as with an engine that is down. */
  synchronized void down() {
    server.stop(0);
  }

  synchronized void up() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 50);
    server.createContext("/", this::handle);
    server.start();
  }

  synchronized List<JsonNode> documents() {
    return new ArrayList<>(documents.values());
  }

  private void handle(HttpExchange exchange) throws IOException {
    byte[] body = exchange.getRequestBody().readAllBytes();
    String path = exchange.getRequestURI().getPath();
    requests.add(exchange.getRequestMethod() + " " + path);
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    authorizations.add(authorization == null ? "" : authorization);
    if (status != 200) {
      reply(exchange, status, "{\"error\":\"injected\",\"status\":" + status + "}");
    } else if (path.startsWith("/_index_template/")) {
      reply(exchange, 200, "{\"acknowledged\":true}");
    } else if (path.equals("/_bulk")) {
      bulkRequests.incrementAndGet();
      reply(exchange, 200, bulk(new String(body, StandardCharsets.UTF_8)));
    } else if (path.endsWith("/_search")) {
      searches.add(exchange.getRequestURI() + " " + new String(body, StandardCharsets.UTF_8));
      reply(exchange, 200, searchAnswer);
    } else {
      reply(exchange, 404, "{}");
    }
  }

  private synchronized String bulk(String ndjson) throws IOException {
    String[] lines = ndjson.split("\n");
    largestBulk.accumulateAndGet(lines.length / 2, Math::max);
    List<Object> items = new ArrayList<>();
    boolean errors = false;
    for (int i = 0; i + 1 < lines.length; i += 2) {
      JsonNode action = JSON.readTree(lines[i]).get("create");
      JsonNode doc = JSON.readTree(lines[i + 1]);
      String id = action.get("_id").asText();
      Integer forced = itemStatus.apply(doc);
      int itemStatus;
      if (forced != null) {
        itemStatus = forced;
      } else if (documents.containsKey(id)) {
        itemStatus = 409;
      } else {
        itemStatus = 201;
        documents.put(id, doc);
        indices.add(action.get("_index").asText());
      }
      errors |= itemStatus >= 300;
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("_index", action.get("_index").asText());
      result.put("_id", id);
      result.put("status", itemStatus);
      if (itemStatus >= 300) {
        result.put("error", Map.of("type", "injected_exception", "reason", "status " + itemStatus));
      }
      items.add(Map.of("create", result));
    }
    return JSON.writeValueAsString(Map.of("took", 1, "errors", errors, "items", items));
  }

  private static void reply(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  @Override
  public synchronized void close() {
    server.stop(0);
  }
}
