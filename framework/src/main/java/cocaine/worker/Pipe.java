package cocaine.worker;

import static cocaine.worker.Worker.LOG;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Message;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The worker's side of its unix socket to the runtime: whole frames, written by one writer thread.
 * Senders queue their frame and return; the writer takes everything queued in one gathering write.
 * With many handlers answering at once, one system call carries many frames instead of one each,
 * and handlers never wait on the socket. Queued bytes are bounded: a sender waits while
 * {@link #MAX_PENDING_BYTES} are queued, so a runtime that does not read still slows every handler.
 */
final class Pipe {
  /** Frames queued for the writer before senders wait for it. */
  static final int MAX_PENDING_BYTES = 1 << 20;
  /** Buffers per gathering write; the rest waits for the next round. */
  private static final int MAX_GATHER = 256;

  private final SocketChannel socket;
  private final String endpoint;
  private final Thread writer;
  private final AtomicLong received = new AtomicLong();
  private List<ByteBuffer> pending = new ArrayList<>();
  private long pendingBytes;
  private boolean closed;
  private CocaineException broken;
  /** The thread whose sends do not wake the writer (see {@link #cork}), or null. */
  private Thread corkedBy;

  Pipe(SocketChannel socket, String endpoint) {
    this.socket = socket;
    this.endpoint = endpoint;
    this.writer = new Thread(this::writeLoop, "cocaine-worker-writer");
    writer.setDaemon(true);
    writer.start();
  }

  /**
   * Queues a frame for the writer; waits while the queue is full (the runtime pushes back). Fails
   * with {@code [7, 3]} once the socket is gone; a frame queued just before the socket broke is
   * lost with it, as the worker then exits.
   */
  void send(long channel, Message message) {
    ByteBuffer bytes = ByteBuffer.wrap(FrameEncoder.encode(message.on(channel)));
    synchronized (this) {
      while (pendingBytes >= MAX_PENDING_BYTES && broken == null && !closed) {
        notifyAll(); // the writer must make room, corked or not
        try {
          wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new CocaineException(ErrorCode.NOT_CONNECTED, "interrupted while sending to the runtime at " + endpoint);
        }
      }
      if (broken != null) {
        throw broken;
      }
      if (closed) {
        throw new CocaineException(ErrorCode.NOT_CONNECTED, "the pipe to the runtime at " + endpoint + " is closed");
      }
      if (pending.isEmpty() && Thread.currentThread() != corkedBy) {
        notifyAll(); // the writer waits only while nothing is queued
      }
      pending.add(bytes);
      pendingBytes += bytes.remaining();
    }
  }

  /**
   * Until {@link #uncork}, frames this thread sends wait for the writer without waking it: the
   * reader thread corks the pipe while it dispatches one read, so the replies of the non-blocking
   * handlers it ran go out in one write and cost the writer one wake-up, not one each.
   */
  synchronized void cork() {
    corkedBy = Thread.currentThread();
  }

  /** Ends {@link #cork}: wakes the writer for what was queued meanwhile. */
  synchronized void uncork() {
    corkedBy = null;
    if (!pending.isEmpty()) {
      notifyAll();
    }
  }

  void send(Frame frame) {
    send(frame.channel(), frame.message());
  }

  /** As {@link #send(long, Message)}, for refusals: one that cannot go out is logged, not thrown. */
  void sendQuietly(long channel, Message message) {
    try {
      send(channel, message);
    } catch (CocaineException e) {
      LOG.log(Level.WARNING, "could not send to channel {0}: {1}", channel, e.getMessage());
    }
  }

  private void writeLoop() {
    while (true) {
      List<ByteBuffer> batch;
      synchronized (this) {
        while (pending.isEmpty() && !closed) {
          try {
            wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (pending.isEmpty()) {
          return; // closed
        }
        batch = pending;
        pending = new ArrayList<>();
        if (pendingBytes >= MAX_PENDING_BYTES) {
          notifyAll(); // senders waiting for room
        }
        pendingBytes = 0;
      }
      try {
        write(batch);
      } catch (IOException e) {
        synchronized (this) {
          broken = new CocaineException(ErrorCode.NOT_CONNECTED,
              "cannot send to the runtime at " + endpoint + ": " + e.getMessage(), e);
          pending.clear();
          pendingBytes = 0;
          notifyAll();
        }
        return;
      }
    }
  }

  private void write(List<ByteBuffer> batch) throws IOException {
    for (int from = 0; from < batch.size(); from += MAX_GATHER) {
      ByteBuffer[] buffers = batch.subList(from, Math.min(batch.size(), from + MAX_GATHER)).toArray(ByteBuffer[]::new);
      ByteBuffer last = buffers[buffers.length - 1];
      while (last.hasRemaining()) {
        socket.write(buffers);
      }
    }
  }

  int read(ByteBuffer into) throws IOException {
    int n = socket.read(into);
    if (n > 0) {
      received.addAndGet(n);
    }
    return n;
  }

  /** Bytes read from the runtime so far: a runtime still sending a long frame is not silent. */
  long received() {
    return received.get();
  }

  /** Writes what is queued (for at most {@code drainMillis}), then closes the socket. */
  void close(long drainMillis) {
    synchronized (this) {
      closed = true;
      notifyAll();
    }
    try {
      writer.join(drainMillis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      socket.close(); // also ends a writer still blocked on a runtime that does not read
    } catch (IOException ignored) {
      // closing on exit: nothing more to tell the runtime
    }
  }
}
