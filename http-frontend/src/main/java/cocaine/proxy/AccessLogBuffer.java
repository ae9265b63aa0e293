package cocaine.proxy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log's lines on their way out, as nginx's {@code access_log ... buffer= flush=}: a
 * request appends its line to a buffer in memory; a full buffer, or one older than {@code flush},
 * goes to a writer thread that writes it in one go (to a file, or as one record of the runtime's log,
 * logger {@code cocaine.proxy.access}). Bounded: at most two buffers wait for the writer; when it
 * falls that far behind, the request that fills the next one writes it itself.
 */
final class AccessLogBuffer implements AutoCloseable {
  private static final Logger access = LoggerFactory.getLogger("cocaine.proxy.access");
  private static final Logger log = LoggerFactory.getLogger(AccessLogBuffer.class);

  private final int limit;
  private final FileChannel file;
  private final String path;
  private final ArrayBlockingQueue<StringBuilder> full = new ArrayBlockingQueue<>(2);
  private final ScheduledExecutorService writer;
  private StringBuilder current;
  private boolean failed;

  /**
   * @param path file to append to; empty for the runtime's log
   * @param limit bytes (about: characters) gathered before a write
   * @param flushMillis longest a line waits
   */
  AccessLogBuffer(String path, int limit, long flushMillis) {
    this.limit = limit;
    this.path = path;
    this.current = new StringBuilder(Math.min(limit, 1 << 16) + 256);
    FileChannel f = null;
    if (!path.isEmpty()) {
      try {
        f = FileChannel.open(Path.of(path), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.APPEND);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot open the access log 'cocaine.proxy.access-log.path' = " + path
            + ": " + e.getMessage(), e);
      }
    }
    this.file = f;
    this.writer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "http-proxy-access-log");
      t.setDaemon(true);
      return t;
    });
    writer.scheduleWithFixedDelay(this::flush, flushMillis, flushMillis, TimeUnit.MILLISECONDS);
  }

  /** Appends one line (without its newline). */
  void append(CharSequence line) {
    StringBuilder handOver = null;
    synchronized (this) {
      current.append(line).append('\n');
      if (current.length() >= limit) {
        handOver = current;
        current = new StringBuilder(handOver.capacity());
      }
    }
    if (handOver != null) {
      if (full.offer(handOver)) {
        writer.execute(this::drain);
      } else {
        write(handOver); // the writer is two buffers behind: this request pays, memory stays bounded
      }
    }
  }

  /** Writes what is buffered now. */
  void flush() {
    StringBuilder out;
    synchronized (this) {
      if (current.length() == 0) {
        drain();
        return;
      }
      out = current;
      current = new StringBuilder(out.capacity());
    }
    drain();
    write(out);
  }

  private void drain() {
    for (StringBuilder b = full.poll(); b != null; b = full.poll()) {
      write(b);
    }
  }

  private void writeFile(ByteBuffer bytes) throws IOException {
    synchronized (file) {
      while (bytes.hasRemaining()) {
        file.write(bytes);
      }
    }
  }

  private void write(StringBuilder lines) {
    if (file == null) {
      lines.setLength(lines.length() - 1); // the logger ends the record with its own newline
      access.info(lines.toString());
      return;
    }
    try {
      writeFile(ByteBuffer.wrap(lines.toString().getBytes(StandardCharsets.UTF_8)));
      failed = false;
    } catch (IOException e) {
      if (!failed) {
        log.warn("cannot write the access log {}: {}; lines are lost until it works again", path, e.toString());
        failed = true;
      }
    }
  }

  @Override
  public void close() {
    writer.shutdown();
    flush();
    if (file != null) {
      try {
        file.close();
      } catch (IOException e) {
        log.debug("closing the access log {}: {}", path, e.toString());
      }
    }
  }
}
