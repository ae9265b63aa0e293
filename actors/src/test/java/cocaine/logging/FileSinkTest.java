package cocaine.logging;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSinkTest {
  @TempDir Path dir;
  final ObjectMapper json = new ObjectMapper();

  List<JsonNode> lines(Path file) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      out.add(json.readTree(line));
    }
    return out;
  }

  @Test
  void writesOneJsonObjectPerLineWithTheDocumentedFields() throws Exception {
    Path file = dir.resolve("log/cocaine.jsonl");
    Map<String, Object> attributes = new LinkedHashMap<>();
    attributes.put("uuid", "3f1c");
    attributes.put("attempt", 2L);
    attributes.put("ok", true);
    try (FileSink sink = FileSink.open(file, 16, Duration.ofSeconds(60))) {
      sink.accept(new LogRecord(Instant.parse("2024-01-02T03:04:05.123Z"), Severity.ERROR, "app/echo", "boom\n", attributes));
    }
    List<JsonNode> lines = lines(file);
    assertEquals(1, lines.size());
    JsonNode line = lines.get(0);
    assertEquals("2024-01-02T03:04:05.123Z", line.get("@timestamp").asText());
    assertEquals("error", line.get("level").asText());
    assertEquals("app/echo", line.get("source").asText());
    assertEquals("boom\n", line.get("message").asText());
    assertEquals("3f1c", line.get("attributes").get("uuid").asText());
    assertEquals(2, line.get("attributes").get("attempt").asInt());
    assertTrue(line.get("attributes").get("ok").asBoolean());
  }

  @Test
  void recordsPastTheQueueLimitAreDroppedCountedAndReportedInTheFile() throws Exception {
    Path file = dir.resolve("cocaine.jsonl");
    FileSink sink = FileSink.open(file, 4, Duration.ofMillis(200));
    int sent = 5000;
    for (int i = 0; i < sent; i++) {
      sink.accept(new LogRecord(Instant.now(), Severity.INFO, "flood", "record " + i, Map.of()));
    }
    long dropped = sink.dropped();
    assertTrue(dropped > 0, "a 4-record queue cannot take " + sent + " records at once");

    // the periodic report says how many were lost, in the file itself
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(file).contains("file sink dropped"));
    sink.close();
    List<JsonNode> lines = lines(file);
    long written = lines.stream().filter(l -> l.get("source").asText().equals("flood")).count();
    long reported = lines.stream().filter(l -> l.get("source").asText().equals("logging"))
        .mapToLong(l -> l.get("attributes").get("dropped").asLong()).sum();
    assertEquals(sent, written + reported, "every record is either written or counted as dropped");
    assertEquals(dropped, reported);
  }
}
