package cocaine.logging.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.logging.LogQuery;
import cocaine.logging.Severity;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LogSearchTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Instant SINCE = Instant.parse("2024-01-02T03:00:00Z");
  FakeEngine engine;

  @BeforeEach
  void startEngine() throws Exception {
    engine = FakeEngine.start();
  }

  @AfterEach
  void stop() {
    engine.close();
  }

  static String json(Object o) throws IOException {
    return JSON.writeValueAsString(o);
  }

  @Test
  void queryFiltersByTimeAppLevelAndTextAndSortsInShippingOrder() throws Exception {
    var filter = new LogQuery(Optional.of("echo"), SINCE, Severity.WARNING, Optional.of("a*b"));
    String q = json(LogSearch.query(filter, List.of(1704164400000L, "abc-0001"), 100, Duration.ofMillis(2500)));

    assertTrue(q.contains("{\"range\":{\"@timestamp\":{\"gte\":1704164400000,\"format\":\"epoch_millis\"}}}"), q);
    assertTrue(q.contains("{\"range\":{\"shipped\":{\"lte\":\"now-3s\"}}}"), q);
    assertTrue(q.contains("{\"term\":{\"source\":\"app/echo\"}}") && q.contains("{\"prefix\":{\"source\":\"app/echo/\"}}"), q);
    assertTrue(q.contains("{\"terms\":{\"level\":[\"warning\",\"error\"]}}"), q);
    assertTrue(q.contains("{\"match_phrase\":{\"message\":\"a*b\"}}"), q);
    assertTrue(q.contains("\"value\":\"*a\\\\*b*\""), q); // the user's '*' is a literal
    assertTrue(q.contains("\"search_after\":[1704164400000,\"abc-0001\"]"), q);
    assertTrue(q.contains("\"sort\":[{\"shipped\":{\"order\":\"asc\",\"unmapped_type\":\"date\"}},"
        + "{\"log_id\":{\"order\":\"asc\",\"unmapped_type\":\"keyword\"}}]"), q);
  }

  @Test
  void queryWithoutFiltersAsksOnlyForTheTimeWindow() throws Exception {
    var filter = new LogQuery(Optional.empty(), SINCE, Severity.DEBUG, Optional.empty());
    String q = json(LogSearch.query(filter, List.of(), 10, Duration.ZERO));

    assertEquals("{\"size\":10,\"track_total_hits\":false,\"sort\":[{\"shipped\":{\"order\":\"asc\",\"unmapped_type\":\"date\"}},"
        + "{\"log_id\":{\"order\":\"asc\",\"unmapped_type\":\"keyword\"}}],\"query\":{\"bool\":{\"filter\":"
        + "[{\"range\":{\"@timestamp\":{\"gte\":1704164400000,\"format\":\"epoch_millis\"}}}]}}}", q);
  }

  @Test
  void pageReadsHitsAndResumesAfterTheLastOne() throws Exception {
    engine.searchAnswer = json(Map.of("hits", Map.of("hits", List.of(
        Map.of("_source", Map.of("@timestamp", "2024-01-02T03:04:05Z", "level", "info", "source", "app/echo",
            "node", "n1", "message", "one\ntwo", "attributes", Map.of("uuid", "w1")), "sort", List.of(5, "a-1")),
        Map.of("_source", Map.of("@timestamp", "2024-01-02T03:04:06Z", "level", "error", "source", "app/echo",
            "node", "n1", "message", "three", "trace_id", "000000000000002a"), "sort", List.of(6, "a-2"))))));
    LogSearch search = new LogSearch(engine.url(), "cocaine-", Duration.ofSeconds(5));
    var filter = new LogQuery(Optional.empty(), SINCE, Severity.DEBUG, Optional.empty());

    LogSearch.Page page = search.page(filter, List.of(), 2, Duration.ZERO);
    assertEquals(List.of(6, "a-2"), page.after());
    assertEquals("2024-01-02T03:04:05Z INFO    [app/echo] n1: one\\ntwo uuid=w1", page.lines().get(0).format());
    assertEquals("2024-01-02T03:04:06Z ERROR   [app/echo] n1: three trace_id=000000000000002a", page.lines().get(1).format());
    assertTrue(engine.searches.get(0).startsWith("/cocaine-*/_search?ignore_unavailable=true&allow_no_indices=true "),
        engine.searches.get(0));

    engine.searchAnswer = "{\"hits\":{\"hits\":[]}}";
    assertEquals(List.of(6, "a-2"), search.page(filter, page.after(), 2, Duration.ZERO).after());
  }

  @Test
  void engineErrorsComeBackWithTheEnginesAnswer() {
    engine.status = 400;
    LogSearch search = new LogSearch(engine.url(), "cocaine-", Duration.ofSeconds(5));
    var filter = new LogQuery(Optional.empty(), SINCE, Severity.DEBUG, Optional.empty());

    IOException e = assertThrows(IOException.class, () -> search.page(filter, List.of(), 2, Duration.ZERO));
    assertTrue(e.getMessage().contains("answered HTTP 400: {\"error\":\"injected\""), e.getMessage());
  }
}
