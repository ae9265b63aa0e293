package cocaine.client;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import org.msgpack.value.Value;

/**
 * One open channel of a {@link Connection} with a streaming exchange, such as an app's
 * {@code enqueue}: send {@code write}/{@code close}/{@code error}, take the service's messages in
 * order. Sends are checked against the method's dispatch graph, so a message the service would
 * disconnect for (say {@code write} after {@code close}) is refused here instead.
 */
public final class ClientChannel {
  private final Connection connection;
  private final long id;
  private final ReplyBuffer replies;
  private Graph dispatch; // guarded by this; null = not checked

  ClientChannel(Connection connection, long id, Graph dispatch, ReplyBuffer replies) {
    this.connection = connection;
    this.id = id;
    this.dispatch = dispatch == Graph.RECURSIVE ? null : dispatch;
    this.replies = replies;
  }

  public long id() {
    return id;
  }

  /** Sends any message allowed by the channel's current dispatch state. */
  public synchronized void send(Message message) {
    if (dispatch != null) {
      Graph next = dispatch.after(message.type());
      if (next == null) {
        throw new IllegalStateException("channel " + id + " to " + connection.peer() + ": message type "
            + message.type() + " is not allowed now; the service accepts " + dispatch);
      }
      connection.send(id, message);
      dispatch = next;
    } else {
      connection.send(id, message);
    }
  }

  /** A {@code write} chunk; its args are the values given (usually one raw chunk). */
  public void write(Value... chunk) {
    send(Message.write(chunk));
  }

  public void write(byte[] chunk) {
    write(Values.bytes(chunk));
  }

  /** Ends this side of the channel; replies still come until the service ends its side. */
  public void close() {
    send(Message.close());
  }

  public void error(ErrorCode code, String message) {
    send(Message.error(code, message));
  }

  /**
   * The service's next message ({@code write}, {@code close}, {@code error} or another of its
   * graph), or null if none came within the timeout. Throws {@code [7, 3]} once the connection is
   * gone and everything received before was taken.
   */
  public Message receive(Duration timeout) {
    if (replies == null) {
      throw new IllegalStateException("channel " + id + ": the service sends no reply to this method");
    }
    try {
      return replies.take(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CancellationException("interrupted while waiting for a reply on channel " + id);
    }
  }

  /**
   * The args of each {@code write} until {@code close}. An {@code error} is thrown as its
   * CocaineException, and no message within {@code timeout} as {@code [20991, 3]}.
   */
  public Iterable<List<Value>> chunks(Duration timeout) {
    return () -> new Iterator<>() {
      private List<Value> next;
      private boolean done;

      @Override
      public boolean hasNext() {
        if (next == null && !done) {
          Message m = receive(timeout);
          if (m == null) {
            throw new CocaineException(ErrorCode.TIMEOUT, "no reply on channel " + id + " from "
                + connection.peer() + " within " + timeout.toMillis() + " ms");
          }
          switch (m.type()) {
            case Graph.WRITE -> next = m.args();
            case Graph.ERROR -> {
              done = true;
              throw m.toException();
            }
            default -> done = true;
          }
        }
        return next != null;
      }

      @Override
      public List<Value> next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        List<Value> out = next;
        next = null;
        return out;
      }
    };
  }

  /** The first arg of each {@code write} until {@code close}, as raw bytes (see {@link #chunks}). */
  public List<byte[]> readAll(Duration timeout) {
    List<byte[]> out = new ArrayList<>();
    for (List<Value> args : chunks(timeout)) {
      out.add(args.isEmpty() ? new byte[0] : Values.asBytes(args.get(0)));
    }
    return out;
  }

  /** Stops taking replies: what is buffered and what still comes is dropped. Sends nothing. */
  public void cancel() {
    connection.forget(id);
    if (replies != null) {
      replies.discard();
    }
  }
}
