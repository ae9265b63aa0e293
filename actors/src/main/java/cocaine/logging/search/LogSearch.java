package cocaine.logging.search;

import cocaine.logging.LogQuery;
import cocaine.logging.Severity;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads log documents back from the engine for {@code cocaine logs}, a page at a time, in the order
 * they were shipped ({@link LogIndex#SHIPPED}, then {@link LogIndex#LOG_ID}): a page resumes after the
 * last line of the previous one ({@code search_after}), so following never repeats a line. A live
 * tail asks only for documents shipped more than {@code settle} ago by the engine's clock (in whole
 * seconds), so a batch still being indexed cannot be skipped.
 */
public final class LogSearch {
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

  private final EngineAddress engine;
  private final String indexPrefix;
  private final Duration timeout;
  private final HttpClient http;
  private final ObjectMapper json = new ObjectMapper();

  /** One document and its sort key (the cursor to resume after it). */
  public record Line(Map<String, Object> document, List<Object> sort) {
    public String message() {
      return String.valueOf(document.getOrDefault(LogIndex.MESSAGE, ""));
    }

    public String source() {
      return String.valueOf(document.getOrDefault(LogIndex.SOURCE, ""));
    }

    /** {@code <time> <LEVEL> [<source>] <node>: <message> k=v ...}, one line whatever the message holds. */
    public String format() {
      StringBuilder line = new StringBuilder()
          .append(document.getOrDefault(LogIndex.TIMESTAMP, "-")).append(' ')
          .append(String.format("%-7s", String.valueOf(document.getOrDefault(LogIndex.LEVEL, "?"))
              .toUpperCase(java.util.Locale.ROOT)))
          .append(" [").append(source()).append("] ")
          .append(document.getOrDefault(LogIndex.NODE, "-")).append(": ")
          .append(message().replace("\r", "\\r").replace("\n", "\\n"));
      for (String field : List.of(LogIndex.TRACE_ID, LogIndex.SPAN_ID)) {
        if (document.get(field) != null) {
          line.append(' ').append(field).append('=').append(document.get(field));
        }
      }
      if (document.get(LogIndex.ATTRIBUTES) instanceof Map<?, ?> attributes) {
        attributes.forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
      }
      return line.toString();
    }
  }

  /**
   * @param lines oldest first
   * @param after where the next page starts: the last line's sort key, or the given cursor when empty
   */
  public record Page(List<Line> lines, List<Object> after) {}

  /** @param url the engine's base URL; {@code user:password@} in it is sent as basic authentication */
  public LogSearch(URI url, String indexPrefix, Duration timeout) {
    this.engine = EngineAddress.of(url);
    this.indexPrefix = indexPrefix;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout).build();
  }

  /**
   * One page of at most {@code size} lines after {@code after} (empty: from the start).
   *
   * @param settle skip documents shipped less than this long ago (zero: everything indexed so far)
   * @throws IOException when the engine cannot be reached or refuses the search (its answer in the message)
   */
  public Page page(LogQuery filter, List<Object> after, int size, Duration settle) throws IOException, InterruptedException {
    byte[] body = json.writeValueAsBytes(query(filter, after, size, settle));
    HttpRequest request = engine.request("/" + LogIndex.pattern(indexPrefix)
            + "/_search?ignore_unavailable=true&allow_no_indices=true")
        .timeout(timeout)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
    HttpResponse<byte[]> answer = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    if (answer.statusCode() != 200) {
      throw new IOException("the search engine at " + engine + " answered HTTP " + answer.statusCode() + ": "
          + Bulk.excerpt(answer.body()));
    }
    List<Line> lines = new ArrayList<>();
    for (JsonNode hit : json.readTree(answer.body()).path("hits").path("hits")) {
      Map<String, Object> doc = json.convertValue(hit.path("_source"), MAP);
      List<Object> sort = json.convertValue(hit.path("sort"), new TypeReference<List<Object>>() {});
      lines.add(new Line(doc, sort));
    }
    return new Page(lines, lines.isEmpty() ? after : lines.get(lines.size() - 1).sort());
  }

  /** The {@code _search} body of {@link #page}. */
  static Map<String, Object> query(LogQuery filter, List<Object> after, int size, Duration settle) {
    List<Object> filters = new ArrayList<>();
    filters.add(obj("range", obj(LogIndex.TIMESTAMP,
        obj("gte", filter.since().toEpochMilli(), "format", "epoch_millis"))));
    if (!settle.isZero()) {
      // date math on the engine's clock, not this machine's; its smallest unit is the second
      long seconds = (settle.toMillis() + 999) / 1000;
      filters.add(obj("range", obj(LogIndex.SHIPPED, obj("lte", "now-" + seconds + "s"))));
    }
    filter.app().ifPresent(app -> filters.add(obj("bool", obj("minimum_should_match", 1, "should", List.of(
        obj("term", obj(LogIndex.SOURCE, "app/" + app)),
        obj("prefix", obj(LogIndex.SOURCE, "app/" + app + "/")))))));
    if (filter.level() != Severity.DEBUG) {
      filters.add(obj("terms", obj(LogIndex.LEVEL, Arrays.stream(Severity.values())
          .filter(s -> s.compareTo(filter.level()) >= 0).map(Severity::label).toList())));
    }
    filter.grep().ifPresent(text -> filters.add(obj("bool", obj("minimum_should_match", 1, "should", List.of(
        obj("match_phrase", obj(LogIndex.MESSAGE, text)),
        obj("wildcard", obj(LogIndex.MESSAGE_RAW,
            obj("value", "*" + escapeWildcard(text) + "*", "case_insensitive", true))))))));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("size", size);
    body.put("track_total_hits", false);
    // unmapped_type: an index of the pattern without our mappings must not fail the whole search
    body.put("sort", List.of(
        obj(LogIndex.SHIPPED, obj("order", "asc", "unmapped_type", "date")),
        obj(LogIndex.LOG_ID, obj("order", "asc", "unmapped_type", "keyword"))));
    if (!after.isEmpty()) {
      body.put("search_after", after);
    }
    body.put("query", obj("bool", obj("filter", filters)));
    return body;
  }

  /** A JSON object with its keys in the given order (requests read the same in logs and tests). */
  private static Map<String, Object> obj(Object... keysAndValues) {
    Map<String, Object> o = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      o.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return o;
  }

  private static String escapeWildcard(String text) {
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?");
  }

  /** The engine's base URL, without credentials: for messages. */
  public String url() {
    return engine.baseUrl();
  }
}
