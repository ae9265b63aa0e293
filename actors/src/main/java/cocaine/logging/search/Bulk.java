package cocaine.logging.search;

import cocaine.logging.LogRecord;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * One {@code _bulk} request of log documents and what the engine said about each of them. Documents
 * are sent with {@code create} and their own id, so a batch sent again after a lost answer is not
 * indexed twice: the engine answers 409 for the copies, which counts as shipped.
 */
final class Bulk {
  /** A record on its way, with the id it keeps across attempts. */
  record Entry(LogRecord record, String logId) {}

  /** A document the engine refused for good (a 4xx other than 409 and 429). */
  record Rejection(Entry entry, int status, String reason) {}

  /**
   * @param shipped documents the engine holds now
   * @param retry   documents to send again (the engine was busy or a shard unavailable: 429, 5xx)
   * @param rejected documents that cannot be indexed as they are; sending them again would not help
   */
  record Outcome(int shipped, List<Entry> retry, List<Rejection> rejected) {}

  private Bulk() {}

  /** The NDJSON body: an action line and a document line per entry, each ending with a newline. */
  static byte[] body(List<Entry> entries, String indexPrefix, String node, Instant shipped, ObjectMapper json)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(entries.size() * 256);
    for (Entry e : entries) {
      Map<String, Object> action = Map.of("create", Map.of(
          "_index", LogIndex.indexName(indexPrefix, e.record().timestamp()), "_id", e.logId()));
      // Jackson escapes newlines inside strings, so every document stays on one line
      out.write(json.writeValueAsBytes(action));
      out.write('\n');
      out.write(json.writeValueAsBytes(LogIndex.document(e.record(), node, e.logId(), shipped)));
      out.write('\n');
    }
    return out.toByteArray();
  }

  /**
   * Reads a 200 answer to {@link #body}: items come in the order of the request.
   *
   * @throws IOException when the answer is not a bulk answer for these entries
   */
  static Outcome outcome(List<Entry> entries, byte[] answer, ObjectMapper json) throws IOException {
    JsonNode root = json.readTree(answer);
    if (root == null || !root.has("items")) {
      throw new IOException("the engine's _bulk answer has no items: " + excerpt(answer));
    }
    if (!root.path("errors").asBoolean(false)) {
      return new Outcome(entries.size(), List.of(), List.of());
    }
    JsonNode items = root.get("items");
    if (!items.isArray() || items.size() != entries.size()) {
      throw new IOException("the engine answered " + items.size() + " items for " + entries.size() + " documents");
    }
    int shipped = 0;
    List<Entry> retry = new ArrayList<>();
    List<Rejection> rejected = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      Iterator<JsonNode> actions = items.get(i).elements();
      JsonNode result = actions.hasNext() ? actions.next() : items.get(i);
      int status = result.path("status").asInt(0);
      if (status >= 200 && status < 300 || status == 409) {
        shipped++;
      } else if (status == 429 || status >= 500 || status == 0) {
        retry.add(entries.get(i));
      } else {
        JsonNode error = result.path("error");
        String reason = error.isObject() ? error.path("type").asText() + ": " + error.path("reason").asText() : error.asText();
        rejected.add(new Rejection(entries.get(i), status, reason));
      }
    }
    return new Outcome(shipped, retry, rejected);
  }

  /** The start of an answer, for error messages. */
  static String excerpt(byte[] answer) {
    String text = new String(answer, 0, Math.min(answer.length, 300), java.nio.charset.StandardCharsets.UTF_8);
    return answer.length > 300 ? text + "..." : text;
  }
}
