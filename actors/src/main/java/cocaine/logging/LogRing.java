package cocaine.logging;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The logging service's recent lines on disk, for {@code cocaine logs} without a search engine: at
 * most {@code segments} files of about {@code segmentBytes} each, the oldest deleted when a new one
 * starts. Every line gets a position one above the previous line's, kept across restarts, so a
 * reader that asks from the position after the last line it saw misses none and sees none twice.
 * A line on disk is {@code [length: int][crc32: int][position: long]} and its JSON document; a torn
 * or corrupt tail (a crash mid-write) is cut off when the ring opens, and reading stops before it.
 * One writer (the sink's thread) and any number of readers, serialised on the ring.
 */
public final class LogRing implements FileSink.Appender {
  /** Length, checksum and position in front of each line's document. */
  static final int HEADER = 16;
  /** A longer document has its message cut: one line never fills a reader's page alone. */
  static final int MAX_LINE = 64 * 1024;
  /** Most bytes one {@link #read} scans, so a reader never holds the writer up for long. */
  static final long SCAN_LIMIT = 8L * 1024 * 1024;
  private static final int INDEX_EVERY = 64;
  private static final Pattern SEGMENT = Pattern.compile("(\\d{20})\\.log");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, Object>> DOCUMENT = new TypeReference<>() {};
  private static final Logger log = LoggerFactory.getLogger(LogRing.class);

  /** A line and its position in the ring. */
  public record Line(long position, LogRecord record) {}

  /**
   * What one {@link #read} found.
   *
   * @param lines matching lines, oldest first
   * @param next  where the next read starts: past every line looked at, matching or not
   */
  public record Page(List<Line> lines, long next) {}

  /** One file: lines {@code base} to {@code base + count - 1}, with a sparse position-to-offset index. */
  private static final class Segment {
    final long base;
    final Path path;
    long size;
    long count;
    final TreeMap<Long, Long> index = new TreeMap<>();

    Segment(long base, Path path) {
      this.base = base;
      this.path = path;
    }

    long end() {
      return base + count;
    }

    void added(long position, long offset, long bytes) {
      if (count % INDEX_EVERY == 0) {
        index.put(position, offset);
      }
      count++;
      size += bytes;
    }
  }

  private final Path dir;
  /** Held while open: two runtimes writing one ring would interleave their positions. */
  private final FileChannel lock;
  private final long segmentBytes;
  private final int maxSegments;
  private final Deque<Segment> segments = new ArrayDeque<>();
  private OutputStream tail;
  private long next;

  private LogRing(Path dir, long segmentBytes, int maxSegments, FileChannel lock) {
    this.dir = dir;
    this.lock = lock;
    this.segmentBytes = segmentBytes;
    this.maxSegments = maxSegments;
  }

  /**
   * Opens the ring in {@code dir} (created if missing), cutting off a torn tail, and continues its
   * positions.
   *
   * @param segmentBytes size at which a segment is closed and a new one started, at least 4096
   * @param segments     how many segments are kept, at least 2
   */
  public static LogRing open(Path dir, long segmentBytes, int segments) throws IOException {
    if (segmentBytes < 4096 || segments < 2) {
      throw new IllegalArgumentException("segment-bytes " + segmentBytes + " must be >= 4096 and segments "
          + segments + " >= 2");
    }
    Files.createDirectories(dir);
    FileChannel lock = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    try {
      if (lock.tryLock() == null) {
        throw new IOException("the log ring " + dir + " is in use by another runtime (its lock file is held)");
      }
      LogRing ring = new LogRing(dir, segmentBytes, segments, lock);
      ring.recover();
      return ring;
    } catch (IOException | RuntimeException e) {
      lock.close();
      if (e instanceof java.nio.channels.OverlappingFileLockException) {
        throw new IOException("the log ring " + dir + " is already open in this runtime", e);
      }
      throw e;
    }
  }

  private void recover() throws IOException {
    List<Long> bases;
    try (Stream<Path> files = Files.list(dir)) {
      bases = files.map(p -> SEGMENT.matcher(p.getFileName().toString()))
          .filter(java.util.regex.Matcher::matches).map(m -> Long.parseLong(m.group(1))).sorted().toList();
    }
    for (long base : bases) {
      if (!segments.isEmpty() && base < segments.peekLast().end()) {
        // positions must grow: a segment that overlaps the one before is left out, not mixed in
        log.warn("logging: ring segment {} overlaps the one before it, skipped", path(base));
        continue;
      }
      Segment segment = new Segment(base, path(base));
      long valid = scan(segment);
      long length = Files.size(segment.path);
      if (valid < length) {
        log.warn("logging: ring segment {} has a torn or corrupt tail of {} bytes after line {}, cut off",
            segment.path, length - valid, segment.end() - 1);
        try (FileChannel ch = FileChannel.open(segment.path, StandardOpenOption.WRITE)) {
          ch.truncate(valid);
        }
      }
      segments.addLast(segment);
    }
    next = segments.isEmpty() ? 0 : segments.peekLast().end();
    if (segments.isEmpty()) {
      segments.addLast(new Segment(next, path(next)));
    }
    tail = open(segments.peekLast());
    dropOldest();
  }

  /** Reads a segment's valid lines into its count and index; returns where the valid part ends. */
  private static long scan(Segment segment) throws IOException {
    try (FileChannel ch = FileChannel.open(segment.path, StandardOpenOption.READ)) {
      long offset = 0;
      long length = ch.size();
      while (true) {
        Entry e = entry(ch, offset, length);
        if (e == null || e.position != segment.base + segment.count) {
          return offset;
        }
        segment.added(e.position, offset, e.bytes());
        offset += e.bytes();
      }
    }
  }

  /** A line as stored. */
  private record Entry(long position, byte[] document) {
    long bytes() {
      return HEADER + document.length;
    }
  }

  /** The line at {@code offset}, or null at the end or where the bytes are not a whole, intact line. */
  private static Entry entry(FileChannel ch, long offset, long limit) throws IOException {
    if (offset + HEADER > limit) {
      return null;
    }
    ByteBuffer header = ByteBuffer.allocate(HEADER);
    readFully(ch, header, offset);
    int length = header.getInt(0);
    if (length < 0 || length > MAX_LINE || offset + HEADER + length > limit) {
      return null;
    }
    ByteBuffer body = ByteBuffer.allocate(length);
    readFully(ch, body, offset + HEADER);
    CRC32 crc = new CRC32();
    crc.update(body.array());
    crc.update(header.array(), 8, 8);
    return (int) crc.getValue() == header.getInt(4) ? new Entry(header.getLong(8), body.array()) : null;
  }

  private static void readFully(FileChannel ch, ByteBuffer buffer, long offset) throws IOException {
    while (buffer.hasRemaining()) {
      if (ch.read(buffer, offset + buffer.position()) < 0) {
        throw new IOException("unexpected end of " + ch);
      }
    }
  }

  @Override
  public synchronized void append(LogRecord record) throws IOException {
    byte[] document = encode(record);
    Segment current = segments.peekLast();
    if (current.size > 0 && current.size + HEADER + document.length > segmentBytes) {
      tail.close();
      current = new Segment(next, path(next));
      segments.addLast(current);
      tail = open(current);
      dropOldest();
    }
    ByteBuffer header = ByteBuffer.allocate(HEADER);
    header.putInt(0, document.length);
    header.putLong(8, next);
    CRC32 crc = new CRC32();
    crc.update(document);
    crc.update(header.array(), 8, 8);
    header.putInt(4, (int) crc.getValue());
    tail.write(header.array());
    tail.write(document);
    current.added(next, current.size, HEADER + document.length);
    next++;
  }

  /** The document of a record, its message cut so that it fits {@link #MAX_LINE}. */
  static byte[] encode(LogRecord record) throws IOException {
    byte[] document = JSON.writeValueAsBytes(record.document());
    String message = record.message();
    while (document.length > MAX_LINE && !message.isEmpty()) {
      message = message.substring(0, (int) (message.length() * (MAX_LINE / 2.0 / document.length)));
      document = JSON.writeValueAsBytes(new LogRecord(record.timestamp(), record.severity(), record.source(),
          message + "... (cut at " + MAX_LINE + " bytes)", record.attributes()).document());
    }
    if (document.length > MAX_LINE) {
      document = JSON.writeValueAsBytes(new LogRecord(record.timestamp(), record.severity(), record.source(),
          "(attributes too long for the ring: " + document.length + " bytes)", Map.of()).document());
    }
    return document;
  }

  private void dropOldest() throws IOException {
    while (segments.size() > maxSegments) {
      Files.deleteIfExists(segments.removeFirst().path);
    }
  }

  private OutputStream open(Segment segment) throws IOException {
    return new BufferedOutputStream(new FileOutputStream(segment.path.toFile(), true), 64 * 1024);
  }

  private Path path(long base) {
    return dir.resolve(String.format("%020d.log", base));
  }

  @Override
  public synchronized void flush() throws IOException {
    tail.flush();
  }

  @Override
  public synchronized void close() throws IOException {
    try {
      tail.close();
    } finally {
      lock.close();
    }
  }

  /** The position the next line will get. */
  public synchronized long next() {
    return next;
  }

  /** The position of the oldest line still kept. */
  public synchronized long first() {
    return segments.peekFirst().base;
  }

  /**
   * Up to {@code max} lines matching {@code query} from position {@code from} on. A position older
   * than the oldest kept line reads from that line; one past the newest (a ring that was wiped)
   * reads from the start.
   */
  public synchronized Page read(long from, LogQuery query, int max) {
    try {
      tail.flush();
      long start = from > next ? first() : Math.max(from, first());
      List<Line> lines = new ArrayList<>();
      long scanned = 0;
      for (Segment segment : segments) {
        if (segment.end() <= start) {
          continue;
        }
        var indexed = segment.index.floorEntry(start);
        long offset = indexed == null ? 0 : indexed.getValue();
        try (FileChannel ch = FileChannel.open(segment.path, StandardOpenOption.READ)) {
          while (offset < segment.size) {
            Entry e = entry(ch, offset, segment.size);
            if (e == null) {
              break;
            }
            offset += e.bytes();
            scanned += e.bytes();
            if (e.position < start) {
              continue;
            }
            LogRecord record = decode(e);
            if (record != null && query.matches(record)) {
              lines.add(new Line(e.position, record));
            }
            if (lines.size() >= max || scanned >= SCAN_LIMIT) {
              return new Page(lines, e.position + 1);
            }
          }
        }
      }
      return new Page(lines, next);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the log ring " + dir + ": " + e.getMessage(), e);
    }
  }

  private LogRecord decode(Entry e) {
    try {
      return LogRecord.of(JSON.readValue(e.document, DOCUMENT));
    } catch (IOException | IllegalArgumentException bad) {
      log.warn("logging: ring line {} in {} is not a record, skipped: {}", e.position, dir, bad.getMessage());
      return null;
    }
  }

  @Override
  public String toString() {
    return "log ring " + dir;
  }
}
