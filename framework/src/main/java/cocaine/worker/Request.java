package cocaine.worker;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Header;
import cocaine.wire.Values;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.msgpack.value.Value;

/**
 * The runtime's side of one invocation: the event, the enqueue's headers, and the request chunks
 * until {@code close}.
 *
 * <p>Backpressure: chunks wait in a bounded buffer ({@link Worker.Settings#requestBuffer()}). When a
 * handler does not keep up and its buffer is full, the worker stops reading its socket until the
 * handler takes a chunk, so the runtime (and its client) slow down. That pauses every channel of
 * this worker, not only the slow one; the worker still sends heartbeats and does not disown itself
 * meanwhile. Once the handler returns, chunks it did not read are dropped.
 */
public final class Request {
  private final long channel;
  private final String event;
  private final List<Header> headers;
  private final int capacity;
  private final long maxBodyBytes;
  private final ArrayDeque<Value> chunks;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private boolean ended;
  private boolean abandoned;
  private CocaineException failure;

  Request(long channel, String event, List<Header> headers, int capacity, long maxBodyBytes) {
    this.channel = channel;
    this.event = event;
    this.headers = List.copyOf(headers);
    this.capacity = capacity;
    this.maxBodyBytes = maxBodyBytes;
    this.chunks = new ArrayDeque<>(Math.min(capacity, 16));
  }

  public long channel() {
    return channel;
  }

  public String event() {
    return event;
  }

  /** Headers of the invoke: the enqueue's headers with fresh trace ids, {@code request_timeout} etc. */
  public List<Header> headers() {
    return headers;
  }

  public Optional<Header> header(String name) {
    return Header.find(headers, name);
  }

  /**
   * The next chunk's bytes, blocking until it comes; null once the runtime closed the request.
   * A chunk that is not a byte string comes as its msgpack encoding. Throws the runtime's
   * {@code error} (e.g. {@code [20991, 3]} on a timeout) as CocaineException.
   */
  public byte[] read() {
    Value v = readValue();
    return v == null ? null : toBytes(v);
  }

  /** As {@link #read()}, failing with {@code [20991, 3]} when nothing came within the timeout. */
  public byte[] read(Duration timeout) {
    Value v = readValue(timeout);
    return v == null ? null : toBytes(v);
  }

  /** The next chunk as it came on the wire, or null at close. */
  public Value readValue() {
    return take(-1);
  }

  public Value readValue(Duration timeout) {
    return take(Math.max(0, timeout.toNanos()));
  }

  /**
   * All remaining chunks, concatenated. Fails with {@code [12, 27]} past
   * {@link Worker.Settings#maxBodyBytes()}.
   */
  public byte[] readAll() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] chunk;
    while ((chunk = read()) != null) {
      checkBodyLimit((long) out.size() + chunk.length);
      out.write(chunk, 0, chunk.length);
    }
    return out.toByteArray();
  }

  /** Fails with {@code [12, 27]} when a body read so far is over the worker's limit. */
  void checkBodyLimit(long size) {
    if (size > maxBodyBytes) {
      throw new CocaineException(ErrorCode.TOO_BIG, "request body on channel " + channel + " of event '" + event
          + "' exceeds " + maxBodyBytes + " bytes; read it chunk by chunk instead");
    }
  }

  static byte[] toBytes(Value v) {
    return v.isRawValue() ? v.asRawValue().asByteArray() : FrameEncoder.encodeValue(v);
  }

  /** The chunk a write frame carries; an empty one when it has none. */
  static Value chunkOf(Frame frame) {
    return frame.args().isEmpty() ? Values.bytes(new byte[0]) : frame.args().get(0);
  }

  private Value take(long timeoutNanos) {
    lock.lock();
    try {
      long nanos = timeoutNanos;
      while (chunks.isEmpty()) {
        if (failure != null) {
          throw new CocaineException(failure.code(), failure.getMessage(), failure);
        }
        if (ended) {
          return null;
        }
        if (timeoutNanos < 0) {
          changed.await();
        } else if (nanos <= 0) {
          throw new CocaineException(ErrorCode.TIMEOUT, "no request chunk on channel " + channel + " of event '"
              + event + "' within " + Duration.ofNanos(timeoutNanos).toMillis() + " ms");
        } else {
          nanos = changed.awaitNanos(nanos);
        }
      }
      Value v = chunks.removeFirst();
      changed.signalAll();
      return v;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CocaineException(ErrorCode.NOT_CONNECTED, "the worker is stopping; event '" + event + "' was interrupted");
    } finally {
      lock.unlock();
    }
  }

  /** Reader thread: adds a chunk unless the buffer is full; true when it was taken (or dropped as abandoned). */
  boolean offer(Value chunk) {
    lock.lock();
    try {
      if (abandoned) {
        return true;
      }
      if (chunks.size() >= capacity) {
        return false;
      }
      chunks.addLast(chunk);
      changed.signalAll();
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Reader thread: adds a chunk, waiting while the buffer is full (see the class comment). */
  void push(Value chunk) throws InterruptedException {
    lock.lock();
    try {
      while (chunks.size() >= capacity && !abandoned) {
        changed.await();
      }
      if (!abandoned) {
        chunks.addLast(chunk);
        changed.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /** The runtime closed its side. */
  void end() {
    lock.lock();
    try {
      ended = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** The runtime sent an error, or the worker is going away. */
  void fail(CocaineException cause) {
    lock.lock();
    try {
      if (failure == null && !ended) {
        failure = cause;
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** The handler returned: drop unread chunks so the reader never waits for it. */
  void abandon() {
    lock.lock();
    try {
      abandoned = true;
      chunks.clear();
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
