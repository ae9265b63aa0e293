package cocaine.proxy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log's lines on their way out, as nginx's {@code access_log ... buffer= flush=}: a
 * request appends its line to a buffer in memory; a full buffer, or one older than {@code flush},
 * goes to a writer thread that writes it in one go (to a file, or as records of the runtime's log,
 * logger {@code cocaine.proxy.access}). Bounded, and a request never waits for the writer: at most
 * two full buffers wait for it; when it falls that far behind, the next full buffer is dropped, its
 * lines counted, and the count is reported in the runtime's log at the next flush.
 */
final class AccessLogBuffer implements AutoCloseable {
  /**
   * The most characters of one record of the runtime's log: its log ring keeps a record of at most 64
   * KiB of JSON and cuts a longer one's message (half the lines of a 64 KiB buffer were lost there);
   * a quarter of that leaves room for escaped newlines and multi-byte characters.
   */
  static final int RECORD_CHARS = 16 * 1024;
  private static final Logger access = LoggerFactory.getLogger("cocaine.proxy.access");
  private static final Logger log = LoggerFactory.getLogger(AccessLogBuffer.class);

  /** Where buffers of lines are written; called on the writer thread (and by {@link #close}). */
  interface Output extends AutoCloseable {
    /** Writes {@code lines}, each ended by a newline. */
    void write(StringBuilder lines);

    @Override
    default void close() {}
  }

  /** A buffer of lines and how many lines it holds. */
  private record Full(StringBuilder lines, int count) {}

  private final int limit;
  private final Output out;
  private final ArrayBlockingQueue<Full> full = new ArrayBlockingQueue<>(2);
  private final ScheduledExecutorService writer;
  private final AtomicLong dropped = new AtomicLong();
  private long reported;
  private StringBuilder current;
  private int count;

  /**
   * @param path file to append to; empty for the runtime's log
   * @param limit bytes (about: characters) gathered before a write
   * @param flushMillis longest a line waits
   */
  AccessLogBuffer(String path, int limit, long flushMillis) {
    this(path.isEmpty() ? AccessLogBuffer::toRuntimeLog : new ToFile(path), limit, flushMillis);
  }

  /** A buffer that writes to {@code out} (tests: an output that is slow, or records what it got). */
  AccessLogBuffer(Output out, int limit, long flushMillis) {
    this.limit = limit;
    this.out = out;
    this.current = new StringBuilder(Math.min(limit, 1 << 16) + 256);
    this.writer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "http-proxy-access-log");
      t.setDaemon(true);
      return t;
    });
    writer.scheduleWithFixedDelay(this::flush, flushMillis, flushMillis, TimeUnit.MILLISECONDS);
  }

  /** Appends one line (without its newline); never waits for the writer. */
  void append(CharSequence line) {
    boolean handedOver = false;
    synchronized (this) {
      current.append(line).append('\n');
      count++;
      if (current.length() >= limit) {
        // offered under the lock: buffers reach the writer in the order they were filled
        handedOver = full.offer(new Full(current, count));
        if (handedOver) {
          current = new StringBuilder(current.capacity());
        } else {
          dropped.addAndGet(count); // the writer is two buffers behind: memory stays bounded
          current.setLength(0);
        }
        count = 0;
      }
    }
    if (handedOver) {
      try {
        writer.execute(this::drain);
      } catch (RejectedExecutionException e) {
        // closing: its last flush drains what is there
      }
    }
  }

  /** Lines dropped so far because the writer was behind. */
  long dropped() {
    return dropped.get();
  }

  /** Writes what is buffered now, and reports lines dropped since the last report. */
  void flush() {
    StringBuilder taken = null;
    synchronized (this) {
      if (current.length() > 0) {
        taken = current;
        current = new StringBuilder(taken.capacity());
        count = 0;
      }
    }
    drain();
    if (taken != null) { // never the buffer requests append to
      out.write(taken);
    }
    long total = dropped.get();
    if (total > reported) {
      log.warn("access log: {} lines dropped ({} in total): the writer was two buffers of "
          + "cocaine.proxy.access-log.buffer ({} bytes) behind", total - reported, total, limit);
      reported = total;
    }
  }

  private void drain() {
    for (Full b = full.poll(); b != null; b = full.poll()) {
      out.write(b.lines());
    }
  }

  /** Records of at most {@link #RECORD_CHARS}, cut between lines (a longer line is a record of its own). */
  static void toRuntimeLog(StringBuilder lines) {
    int start = 0;
    int length = lines.length();
    while (start < length) {
      int end = Math.min(start + RECORD_CHARS, length);
      if (end < length) {
        int newline = lines.lastIndexOf("\n", end - 1);
        end = newline >= start ? newline + 1 : lines.indexOf("\n", end) + 1;
        if (end == 0) {
          end = length;
        }
      }
      int stop = lines.charAt(end - 1) == '\n' ? end - 1 : end; // the logger ends the record with its own newline
      access.info(lines.substring(start, stop));
      start = end;
    }
  }

  /** Appends to a file; a failing write is logged once until one works again. */
  private static final class ToFile implements Output {
    private final String path;
    private final FileChannel file;
    private boolean failed;

    ToFile(String path) {
      this.path = path;
      try {
        file = FileChannel.open(Path.of(path), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.APPEND);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot open the access log 'cocaine.proxy.access-log.path' = " + path
            + ": " + e.getMessage(), e);
      }
    }

    @Override
    public synchronized void write(StringBuilder lines) {
      ByteBuffer bytes = ByteBuffer.wrap(lines.toString().getBytes(StandardCharsets.UTF_8));
      try {
        while (bytes.hasRemaining()) {
          file.write(bytes);
        }
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
      try {
        file.close();
      } catch (IOException e) {
        log.debug("closing the access log {}: {}", path, e.toString());
      }
    }
  }

  @Override
  public void close() {
    writer.shutdown();
    try {
      writer.awaitTermination(5, TimeUnit.SECONDS); // a write in progress finishes before the last flush
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    flush();
    out.close();
  }
}
