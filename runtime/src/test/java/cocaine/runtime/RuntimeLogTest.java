package cocaine.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.logging.LogRecord;
import cocaine.logging.Severity;
import cocaine.logging.Sink;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class RuntimeLogTest {
  static final class Collecting implements Sink {
    final List<LogRecord> records = new CopyOnWriteArrayList<>();

    @Override
    public void accept(LogRecord record) {
      records.add(record);
    }

    @Override
    public void close() {}
  }

  @Test
  void theRuntimesLogLinesReachTheSinkAsSourceRuntimeUntilDetached() {
    Collecting sink = new Collecting();
    Logger log = LoggerFactory.getLogger("cocaine.node.engine.Engine");
    RuntimeLog appender = RuntimeLog.attach(java.util.List.of(sink));
    try {
      log.warn("app [{}]: queue is full", "echo");
      log.error("worker failed", new IllegalStateException("boom"));
    } finally {
      appender.detach();
    }
    log.warn("after detach");
    List<LogRecord> mine = sink.records.stream()
        .filter(r -> r.attributes().get("logger").equals("cocaine.node.engine.Engine")).toList();
    assertEquals(2, mine.size(), sink.records.toString());
    LogRecord warn = mine.get(0);
    assertEquals("runtime", warn.source());
    assertEquals(Severity.WARNING, warn.severity());
    assertEquals("app [echo]: queue is full", warn.message());
    assertEquals(Thread.currentThread().getName(), warn.attributes().get("thread"));
    assertEquals(Severity.ERROR, mine.get(1).severity());
    assertTrue(mine.get(1).message().contains("IllegalStateException: boom"), mine.get(1).message());
  }
}
