package cocaine.logging.search;

import cocaine.logging.LogRecord;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How log records lie in the search engine: daily indices {@code <prefix>YYYY.MM.DD}, one document
 * per record, and the index template that maps their fields. The sink writes this layout and
 * {@link LogSearch} reads it.
 */
public final class LogIndex {
  public static final String TIMESTAMP = "@timestamp";
  /** When the sink sent the document (set again on each attempt): the order of a live tail. */
  public static final String SHIPPED = "shipped";
  /** Unique per record ({@code <sink instance>-<sequence>}): the document's {@code _id} and the tail's tiebreaker. */
  public static final String LOG_ID = "log_id";
  public static final String LEVEL = "level";
  public static final String SOURCE = "source";
  public static final String NODE = "node";
  public static final String TRACE_ID = "trace_id";
  public static final String SPAN_ID = "span_id";
  public static final String MESSAGE = "message";
  /** The keyword copy of {@link #MESSAGE}, for substring search. */
  public static final String MESSAGE_RAW = "message.raw";
  public static final String ATTRIBUTES = "attributes";

  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy.MM.dd").withZone(ZoneOffset.UTC);
  // longer attribute values and messages stay in _source but are not indexed as keywords
  private static final int ATTRIBUTE_KEYWORD_LIMIT = 1024;
  private static final int MESSAGE_KEYWORD_LIMIT = 8191;
  private static final int TEMPLATE_PRIORITY = 100;

  private LogIndex() {}

  /** The daily index a record of this time goes to (the day in UTC). */
  public static String indexName(String prefix, Instant timestamp) {
    return prefix + DAY.format(timestamp);
  }

  /** The pattern that covers every daily index. */
  public static String pattern(String prefix) {
    return prefix + "*";
  }

  /** Name of the index template installed for {@code prefix}. */
  public static String templateName(String prefix) {
    return prefix + "logs";
  }

  /**
   * The document of one record. {@code trace_id} and {@code span_id} attributes (the logging
   * service adds them from the v12 headers) become top-level fields.
   */
  public static Map<String, Object> document(LogRecord record, String node, String logId, Instant shipped) {
    Map<String, Object> attributes = new LinkedHashMap<>(record.attributes());
    Object traceId = attributes.remove(TRACE_ID);
    Object spanId = attributes.remove(SPAN_ID);
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put(TIMESTAMP, record.timestamp().toString());
    doc.put(SHIPPED, shipped.toString());
    doc.put(LOG_ID, logId);
    doc.put(LEVEL, record.severity().label());
    doc.put(SOURCE, record.source());
    doc.put(NODE, node);
    if (traceId != null) {
      doc.put(TRACE_ID, traceId.toString());
    }
    if (spanId != null) {
      doc.put(SPAN_ID, spanId.toString());
    }
    doc.put(MESSAGE, record.message());
    doc.put(ATTRIBUTES, attributes);
    return doc;
  }

  /**
   * The composable index template ({@code PUT _index_template/<name>}, Elasticsearch 7.8+ and
   * OpenSearch 1+): one shard, {@code replicas} replicas; attributes are keywords whatever their
   * JSON type, so two apps using one attribute name with different types never conflict.
   */
  public static Map<String, Object> template(String prefix, int replicas) {
    Map<String, Object> properties = new LinkedHashMap<>();
    properties.put(TIMESTAMP, Map.of("type", "date"));
    properties.put(SHIPPED, Map.of("type", "date"));
    properties.put(LOG_ID, Map.of("type", "keyword"));
    properties.put(LEVEL, Map.of("type", "keyword"));
    properties.put(SOURCE, Map.of("type", "keyword"));
    properties.put(NODE, Map.of("type", "keyword"));
    properties.put(TRACE_ID, Map.of("type", "keyword"));
    properties.put(SPAN_ID, Map.of("type", "keyword"));
    properties.put(MESSAGE, Map.of("type", "text",
        "fields", Map.of("raw", Map.of("type", "keyword", "ignore_above", MESSAGE_KEYWORD_LIMIT))));
    properties.put(ATTRIBUTES, Map.of("type", "object"));
    Map<String, Object> mappings = new LinkedHashMap<>();
    mappings.put("dynamic_templates", List.of(Map.of("attributes", Map.of(
        "path_match", ATTRIBUTES + ".*",
        "mapping", Map.of("type", "keyword", "ignore_above", ATTRIBUTE_KEYWORD_LIMIT)))));
    mappings.put("properties", properties);
    Map<String, Object> template = new LinkedHashMap<>();
    template.put("settings", Map.of("number_of_shards", 1, "number_of_replicas", replicas));
    template.put("mappings", mappings);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("index_patterns", List.of(pattern(prefix)));
    // above the default 0: an operator's catch-all template with equal priority would refuse ours
    body.put("priority", TEMPLATE_PRIORITY);
    body.put("template", template);
    return body;
  }
}
