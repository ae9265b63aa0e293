package cocaine.runtime;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.tracing.Span;
import cocaine.tracing.Tracing;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OtlpExportTest {
  record Received(String path, String contentType, byte[] body) {}

  HttpServer collector;
  ActorSystem<Void> system;

  @AfterEach
  void stop() {
    if (system != null) {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().join();
    }
    if (collector != null) {
      collector.stop(0);
    }
    Tracing.configure(true, 4096, "local");
  }

  @Test
  void spansReachACollectorAsOtlpProtobufWithTheirIdsAndParents() throws Exception {
    List<Received> received = new CopyOnWriteArrayList<>();
    collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    collector.createContext("/", exchange -> {
      received.add(new Received(exchange.getRequestURI().getPath(),
          exchange.getRequestHeaders().getFirst("Content-Type"), exchange.getRequestBody().readAllBytes()));
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    collector.start();
    // the runtime's application.conf exits the JVM at the end of a coordinated shutdown; not in a test
    system = ActorSystem.create(Behaviors.empty(), "otlp-test", com.typesafe.config.ConfigFactory
        .parseString("pekko.coordinated-shutdown.exit-jvm = off").withFallback(com.typesafe.config.ConfigFactory.load()));
    Tracing tracing = Tracing.configure(true, 64, "node-a");
    OtlpExport.start(system, tracing, "http://127.0.0.1:" + collector.getAddress().getPort() + "/v1/traces", 16);

    tracing.record(new Span(0x1122334455667788L, 0x0102030405060708L, 0x0a0b0c0d0e0f0102L, Span.SLOT, "node-a",
        "echo", "slot-1", 1_000_000, 250, "WORKER_UNCAUGHT boom", Map.of("depth", 3)));

    await().atMost(Duration.ofSeconds(15)).until(() -> !received.isEmpty());
    Received r = received.get(0);
    assertEquals("/v1/traces", r.path());
    assertEquals("application/x-protobuf", r.contentType());
    String hex = HexFormat.of().formatHex(r.body());
    // trace_id (field 1, 16 bytes), span_id (2), parent_span_id (4): OTLP ids as raw bytes
    assertTrue(hex.contains("0a10" + "0000000000000000" + "1122334455667788"), hex);
    assertTrue(hex.contains("1208" + "0102030405060708"), hex);
    assertTrue(hex.contains("2208" + "0a0b0c0d0e0f0102"), hex);
    String text = new String(r.body(), StandardCharsets.ISO_8859_1);
    assertTrue(text.contains("slot") && text.contains("slot-1") && text.contains("boom")
        && text.contains("cocaine-runtime"), text);
    // start 1 s after the epoch in nanoseconds, fixed64 little-endian (field 7)
    byte[] start = ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(1_000_000_000L).array();
    assertTrue(hex.contains("39" + HexFormat.of().formatHex(start)), hex);
  }
}
