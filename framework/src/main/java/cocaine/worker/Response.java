package cocaine.worker;

import static cocaine.worker.Worker.LOG;

import cocaine.wire.ErrorCode;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import org.msgpack.value.Value;

/**
 * The worker's side of one invocation: response chunks ({@code write}), then {@code close} or
 * {@code error} (docs/protocol.md 3.3). Writes are queued for the pipe's writer and wait while 1 MiB is
 * queued, so a runtime that does not read slows the handler. Thread-safe.
 */
public final class Response {
  private final Pipe pipe;
  private final long channel;
  private boolean closed;

  Response(Pipe pipe, long channel) {
    this.pipe = pipe;
    this.channel = channel;
  }

  public long channel() {
    return channel;
  }

  /** One chunk of raw bytes: {@code [ch, 0, [chunk]]}. */
  public void write(byte[] chunk) {
    write(Values.bytes(chunk));
  }

  /** One chunk of UTF-8 text. */
  public void write(String text) {
    write(text.getBytes(StandardCharsets.UTF_8));
  }

  /** One chunk that is any msgpack value (strings still go out as raw). */
  public synchronized void write(Value chunk) {
    requireOpen("write");
    pipe.send(channel, Message.write(chunk));
  }

  /** Ends the response; a second close does nothing. */
  public synchronized void close() {
    if (!closed) {
      closed = true;
      pipe.send(channel, Message.close());
    }
  }

  /** Ends the response with {@code [ch, 1, [[category, code], message]]}; category 43 is for apps. */
  public void error(int category, int code, String message) {
    error(new ErrorCode(category, code), message);
  }

  public synchronized void error(ErrorCode code, String message) {
    requireOpen("error");
    closed = true;
    pipe.send(channel, Message.error(code, message));
  }

  public synchronized boolean isClosed() {
    return closed;
  }

  /** Its handler threw: one log line, and the spec's uncaught error unless the response was closed. */
  void handlerFailed(String event, Throwable t) {
    String message = t.getMessage() != null ? t.getMessage() : t.getClass().getName();
    LOG.log(Level.ERROR, "handler of event ''" + event + "'' on channel " + channel + " failed", t);
    if (!isClosed()) {
      try {
        error(ErrorCode.WORKER_UNCAUGHT, message);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "could not report the failure of channel {0}: {1}", channel, e.getMessage());
      }
    }
  }

  private void requireOpen(String what) {
    if (closed) {
      throw new IllegalStateException("cannot " + what + ": the response on channel " + channel + " is already closed");
    }
  }
}
