package cocaine.logging;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends records to a file on its own writer thread: JSON lines ({@code @timestamp, level, source,
 * message, attributes}) by {@link #open}, or the on-disk {@link LogRing} by {@link #ring}. Its queue holds at most {@code queueLimit} records; past that a record is dropped
 * and counted, and every {@code reportEvery} the count of drops is written to the file itself and
 * to the runtime's log, so a gap in the file is never silent.
 */
public final class FileSink implements Sink {
  private static final Logger log = LoggerFactory.getLogger(FileSink.class);

  /** What the writer thread writes to; called on that thread only. */
  public interface Appender extends java.io.Closeable {
    void append(LogRecord record) throws IOException;

    void flush() throws IOException;

    @Override
    void close() throws IOException;
  }

  /** The file or ring written, for messages. */
  private final String path;
  private final int queueLimit;
  private final Duration reportEvery;
  private final BlockingQueue<LogRecord> queue;
  private final AtomicLong dropped = new AtomicLong();
  private final Appender out;
  private final Thread writer;
  private volatile boolean closing;

  private FileSink(String path, int queueLimit, Duration reportEvery, Appender out) {
    this.path = path;
    this.queueLimit = queueLimit;
    this.reportEvery = reportEvery;
    this.queue = new ArrayBlockingQueue<>(queueLimit);
    this.out = out;
    this.writer = new Thread(this::drain, "cocaine-log-file");
    this.writer.setDaemon(true);
  }

  /** Opens (creating folder and file if needed) and starts the writer thread. */
  public static FileSink open(Path path, int queueLimit, Duration reportEvery) throws IOException {
    checkLimits(queueLimit, reportEvery);
    Path parent = path.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    // FileOutputStream, not a FileChannel: close() interrupts the writer thread, and an
    // interrupt would close an interruptible channel under a write in progress.
    Writer out = new BufferedWriter(new OutputStreamWriter(new FileOutputStream(path.toFile(), true), StandardCharsets.UTF_8));
    return start(new FileSink(path.toString(), queueLimit, reportEvery, new JsonLines(out)));
  }

  /** Starts the writer thread of a sink into the ring; the sink closes the ring when it is closed. */
  public static FileSink ring(LogRing ring, int queueLimit, Duration reportEvery) {
    checkLimits(queueLimit, reportEvery);
    return start(new FileSink(ring.toString(), queueLimit, reportEvery, ring));
  }

  private static FileSink start(FileSink sink) {
    sink.writer.start();
    return sink;
  }

  private static void checkLimits(int queueLimit, Duration reportEvery) {
    if (queueLimit < 1 || reportEvery.isNegative() || reportEvery.isZero()) {
      throw new IllegalArgumentException("queueLimit " + queueLimit + " must be >= 1 and reportEvery " + reportEvery + " > 0");
    }
  }

  @Override
  public void accept(LogRecord record) {
    if (closing || !queue.offer(record)) {
      dropped.incrementAndGet();
    }
  }

  /** Records dropped so far because the queue was full or the sink closed. */
  public long dropped() {
    return dropped.get();
  }

  @Override
  public void close() {
    closing = true;
    writer.interrupt();
    try {
      writer.join(reportEvery.toMillis() * 2 + 1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void drain() {
    long reported = 0;
    long nextReport = System.nanoTime() + reportEvery.toNanos();
    try {
      while (!closing) {
        // wake at least once per report period even when idle, to report drops
        LogRecord first = queue.poll(Math.max(1, nextReport - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (first != null) {
          write(first);
          LogRecord next;
          while ((next = queue.poll()) != null) {
            write(next);
          }
          out.flush();
        }
        if (System.nanoTime() - nextReport >= 0) {
          reported = reportDrops(reported);
          nextReport = System.nanoTime() + reportEvery.toNanos();
        }
      }
    } catch (InterruptedException e) {
      // close(): fall through to write what is left
    } catch (IOException e) {
      log.error("logging: cannot write {}, file sink stopped: {}", path, e.toString());
    }
    try {
      LogRecord next;
      while ((next = queue.poll()) != null) {
        write(next);
      }
      reportDrops(reported);
      out.close();
    } catch (IOException e) {
      log.error("logging: cannot finish {}: {}", path, e.toString());
    }
  }

  private long reportDrops(long reported) throws IOException {
    long total = dropped.get();
    long fresh = total - reported;
    if (fresh > 0) {
      String text = "file sink dropped " + fresh + " records (" + total + " in total): queue-limit " + queueLimit + " was full";
      log.warn("logging: {} {}", path, text);
      write(new LogRecord(Instant.now(), Severity.WARNING, "logging", text, Map.of("dropped", fresh)));
      out.flush();
    }
    return total;
  }

  private void write(LogRecord record) throws IOException {
    out.append(record);
  }

  /** One JSON object per line. */
  private record JsonLines(Writer out) implements Appender {
    private static final ObjectMapper JSON = new ObjectMapper().disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);

    @Override
    public void append(LogRecord record) throws IOException {
      JSON.writeValue(out, record.document());
      out.write('\n');
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }

    @Override
    public void close() throws IOException {
      out.close();
    }
  }
}
