package cocaine.admin;

import cocaine.tracing.Span;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Spans as the dashboard's page and its peers read them: JSON maps with ids as hex strings (a
 * JavaScript number holds only 53 bits), and the query parameters that page through them.
 */
final class SpanView {
  private SpanView() {}

  /** Each span as a map; a peer's span, already a map, as it came. */
  static List<Map<String, Object>> of(List<?> spans) {
    List<Map<String, Object>> out = new ArrayList<>(spans.size());
    for (Object o : spans) {
      if (!(o instanceof Span s)) {
        @SuppressWarnings("unchecked")
        Map<String, Object> peers = (Map<String, Object>) o;
        out.add(peers);
        continue;
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("trace", Span.hex(s.traceId()));
      m.put("span", Span.hex(s.spanId()));
      m.put("parent", s.parentId() == 0 ? "" : Span.hex(s.parentId()));
      m.put("name", s.name());
      m.put("node", s.node());
      m.put("app", s.app());
      m.put("slot", s.slot());
      m.put("start", s.startMicros());
      m.put("duration", s.durationMicros());
      m.put("error", s.error());
      m.put("attributes", s.attributes());
      out.add(m);
    }
    return out;
  }

  /** {@code limit=N} of the query, within 1..max; max when absent or not a number. */
  static int limit(String query, int max) {
    String v = parameter(query, "limit");
    if (v != null) {
      try {
        return Math.max(1, Math.min(max, Integer.parseInt(v)));
      } catch (NumberFormatException e) {
        return max;
      }
    }
    return max;
  }

  /**
   * {@code after=CURSOR} of the query, -1 when absent.
   *
   * @throws NumberFormatException when it is not a number (the caller answers 400)
   */
  static long after(String query) {
    String v = parameter(query, "after");
    return v == null ? -1 : Long.parseLong(v);
  }

  private static String parameter(String query, String name) {
    if (query != null) {
      for (String part : query.split("&")) {
        if (part.startsWith(name + "=")) {
          return part.substring(name.length() + 1);
        }
      }
    }
    return null;
  }
}
