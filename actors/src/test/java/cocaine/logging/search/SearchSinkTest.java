package cocaine.logging.search;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.logging.LogRecord;
import cocaine.logging.Severity;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SearchSinkTest {
  static final Instant T = Instant.parse("2024-01-02T23:59:59.250Z");
  FakeEngine engine;
  final List<SearchSink> sinks = new ArrayList<>();

  @BeforeEach
  void startEngine() throws Exception {
    engine = FakeEngine.start();
  }

  @AfterEach
  void stop() {
    sinks.forEach(SearchSink::close);
    engine.close();
  }

  SearchSink sink(URI url, int queueLimit, int batchSize, Duration flushInterval) {
    SearchSinkSettings settings = new SearchSinkSettings(url, "cocaine-", "node-1", batchSize, flushInterval,
        queueLimit, Duration.ofSeconds(2), Duration.ofMillis(20), Duration.ofMillis(100), Duration.ofMillis(50),
        Duration.ofSeconds(2), 0, true);
    SearchSink sink = SearchSink.start(settings, Clock.fixed(Instant.parse("2024-01-03T00:00:05Z"), ZoneOffset.UTC));
    sinks.add(sink);
    return sink;
  }

  SearchSink sink(int queueLimit, int batchSize) {
    return sink(engine.url(), queueLimit, batchSize, Duration.ofMillis(20));
  }

  static LogRecord record(String message) {
    return new LogRecord(T, Severity.INFO, "app/echo", message, Map.of());
  }

  static List<String> messages(List<JsonNode> docs) {
    return docs.stream().filter(d -> !d.get("source").asText().equals("logging")).map(d -> d.get("message").asText()).toList();
  }

  static List<String> numbered(int from, int to) {
    return IntStream.range(from, to).mapToObj(i -> "line " + i).toList();
  }

  @Test
  void recordsBecomeDocumentsOfTheirDailyIndexWithEveryField() {
    SearchSink sink = sink(100, 10);
    Map<String, Object> attributes = new LinkedHashMap<>();
    attributes.put("trace_id", "000000000000002a");
    attributes.put("span_id", "0000000000000007");
    attributes.put("uuid", "w1");
    attributes.put("n", 3L);
    sink.accept(new LogRecord(T, Severity.WARNING, "app/echo", "first\nsecond", attributes));
    sink.accept(new LogRecord(Instant.parse("2024-01-03T00:00:01Z"), Severity.ERROR, "node", "next day", Map.of()));

    await().atMost(Duration.ofSeconds(10)).until(() -> sink.stats().shipped() == 2);
    assertTrue(engine.requests.get(0).startsWith("PUT /_index_template/cocaine-logs"), engine.requests.toString());
    assertEquals(List.of("cocaine-2024.01.02", "cocaine-2024.01.03"), engine.indices);
    JsonNode doc = engine.documents().get(0);
    assertEquals("2024-01-02T23:59:59.250Z", doc.get("@timestamp").asText());
    assertEquals("2024-01-03T00:00:05Z", doc.get("shipped").asText());
    assertEquals("warning", doc.get("level").asText());
    assertEquals("app/echo", doc.get("source").asText());
    assertEquals("node-1", doc.get("node").asText());
    assertEquals("000000000000002a", doc.get("trace_id").asText());
    assertEquals("0000000000000007", doc.get("span_id").asText());
    assertEquals("first\nsecond", doc.get("message").asText());
    assertEquals("{\"uuid\":\"w1\",\"n\":3}", doc.get("attributes").toString());
  }

  @Test
  void batchesHoldAtMostBatchSizeRecordsInTheOrderTheyCame() {
    SearchSink sink = sink(1000, 10);
    numbered(0, 95).forEach(m -> sink.accept(record(m)));

    await().atMost(Duration.ofSeconds(10)).until(() -> engine.documents().size() == 95);
    assertEquals(numbered(0, 95), messages(engine.documents()));
    assertTrue(engine.largestBulk.get() <= 10, "largest bulk " + engine.largestBulk.get());
    assertTrue(engine.bulkRequests.get() >= 10, "bulk requests " + engine.bulkRequests.get());
  }

  @Test
  void engineFailingThenBackLosesNothingInsideTheBoundAndIndexesNothingTwice() {
    engine.status = 503;
    SearchSink sink = sink(200, 50);
    numbered(0, 150).forEach(m -> sink.accept(record(m)));
    await().atMost(Duration.ofSeconds(10)).until(() -> engine.requests.size() >= 4); // retried with back-off
    engine.status = 200;

    await().atMost(Duration.ofSeconds(10)).until(() -> sink.stats().shipped() == 150);
    assertEquals(numbered(0, 150), messages(engine.documents()));
    assertEquals(new SearchSink.Stats(150, 0, 0, 0), sink.stats());
  }

  @Test
  void engineDownThenUpLosesNothingInsideTheBound() throws Exception {
    engine.down();
    SearchSink sink = sink(200, 50);
    numbered(0, 120).forEach(m -> sink.accept(record(m)));
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> sink.stats().shipped() == 0);
    assertTrue(sink.stats().queued() > 0);

    engine.up();
    await().atMost(Duration.ofSeconds(10)).until(() -> engine.documents().size() == 120);
    assertEquals(numbered(0, 120), messages(engine.documents()));
    assertEquals(0, sink.dropped());
  }

  @Test
  void answerLostForSomeDocumentsRetriesOnlyThoseAndRejectsWhatCannotBeIndexed() {
    AtomicInteger busy = new AtomicInteger();
    engine.itemStatus = doc -> switch (doc.get("message").asText()) {
      case "line 3" -> busy.incrementAndGet() <= 2 ? 429 : null;
      case "line 5" -> 400;
      default -> null;
    };
    SearchSink sink = sink(100, 20);
    numbered(0, 10).forEach(m -> sink.accept(record(m)));

    await().atMost(Duration.ofSeconds(10)).until(() -> sink.stats().shipped() == 9 && sink.stats().rejected() == 1);
    List<String> expected = new ArrayList<>(numbered(0, 10));
    expected.remove("line 5");
    expected.remove("line 3");
    expected.add("line 3"); // retried after the others went through
    assertEquals(expected, messages(engine.documents()));
    assertEquals(3, busy.get());
  }

  @Test
  void dropsBeyondTheQueueLimitAreCountedAndReportedAsADocument() {
    engine.status = 503;
    SearchSink sink = sink(5, 5);
    sink.accept(record("in hand"));
    await().atMost(Duration.ofSeconds(10)).until(() -> engine.requests.size() >= 1); // the batch is out of the queue
    numbered(0, 20).forEach(m -> sink.accept(record(m)));
    assertEquals(15, sink.dropped());
    engine.status = 200;

    await().atMost(Duration.ofSeconds(10)).until(() -> engine.documents().size() == 7);
    List<String> expected = new ArrayList<>(List.of("in hand"));
    expected.addAll(numbered(0, 5));
    assertEquals(expected, messages(engine.documents()));
    JsonNode report = engine.documents().stream().filter(d -> d.get("source").asText().equals("logging")).findFirst().orElseThrow();
    assertEquals("warning", report.get("level").asText());
    assertEquals(15, report.get("attributes").get("dropped").asInt());
    assertTrue(report.get("message").asText().contains("dropped 15 records"), report.toString());
  }

  @Test
  void closeShipsWhatIsQueued() {
    SearchSink sink = sink(engine.url(), 100, 1000, Duration.ofSeconds(30));
    numbered(0, 3).forEach(m -> sink.accept(record(m)));
    long start = System.nanoTime();
    sink.close();

    assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos());
    assertEquals(numbered(0, 3), messages(engine.documents()));
    sink.accept(record("after close"));
    assertEquals(1, sink.dropped());
  }

  @Test
  void closeWithTheEngineDownCountsWhatIsLeftAsDropped() {
    engine.down();
    SearchSink sink = sink(100, 1000);
    numbered(0, 10).forEach(m -> sink.accept(record(m)));
    sink.close();

    assertEquals(10, sink.dropped());
  }

  @Test
  void credentialsInTheUrlBecomeBasicAuthenticationAndStayOutOfMessages() {
    SearchSink sink = sink(URI.create("http://elastic:s%40cret@127.0.0.1:" + engine.url().getPort()), 10, 10,
        Duration.ofMillis(20));
    sink.accept(record("x"));

    await().atMost(Duration.ofSeconds(10)).until(() -> engine.documents().size() == 1);
    assertEquals("Basic " + java.util.Base64.getEncoder().encodeToString("elastic:s@cret".getBytes()),
        engine.authorizations.get(0));
    assertEquals("SearchSink[http://127.0.0.1:" + engine.url().getPort() + "]", sink.toString());
  }
}
