package cocaine.worker;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Message;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * The worker's side of its unix socket to the runtime: whole frames, written by group commit. The
 * first sender to find no write in progress writes everything queued meanwhile in one gathering
 * write; the others queue their frame and return. With many handlers answering at once, one system
 * call carries many frames instead of one each. Queued bytes are bounded: a sender waits while
 * {@link #MAX_PENDING_BYTES} are queued, so a runtime that does not read still slows every handler.
 */
final class Pipe {
  /** Frames queued behind a write in progress before senders wait for it. */
  static final int MAX_PENDING_BYTES = 1 << 20;
  /** Buffers per gathering write; the rest waits for the next round. */
  private static final int MAX_GATHER = 256;

  private final SocketChannel socket;
  private final String endpoint;
  private List<ByteBuffer> pending = new ArrayList<>();
  private long pendingBytes;
  private boolean writing;
  private CocaineException broken;

  Pipe(SocketChannel socket, String endpoint) {
    this.socket = socket;
    this.endpoint = endpoint;
  }

  /**
   * Sends a frame, or queues it behind the write in progress; waits while the queue is full (the
   * runtime pushes back). Fails with {@code [7, 3]} once the socket is gone; a frame queued just
   * before the socket broke is lost with it, as the worker then exits.
   */
  void send(long channel, Message message) {
    ByteBuffer bytes = ByteBuffer.wrap(FrameEncoder.encode(message.on(channel)));
    synchronized (this) {
      while (writing && pendingBytes >= MAX_PENDING_BYTES && broken == null) {
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
      pending.add(bytes);
      pendingBytes += bytes.remaining();
      if (writing) {
        return; // the writer takes it in its next round
      }
      writing = true;
    }
    writeAll();
  }

  void send(Frame frame) {
    send(frame.channel(), frame.message());
  }

  /** The writer's loop: takes what is queued until nothing is. */
  private void writeAll() {
    while (true) {
      List<ByteBuffer> batch;
      synchronized (this) {
        if (pending.isEmpty()) {
          writing = false;
          notifyAll();
          return;
        }
        batch = pending;
        pending = new ArrayList<>();
        pendingBytes = 0;
        notifyAll();
      }
      try {
        write(batch);
      } catch (IOException e) {
        CocaineException error = new CocaineException(ErrorCode.NOT_CONNECTED,
            "cannot send to the runtime at " + endpoint + ": " + e.getMessage(), e);
        synchronized (this) {
          broken = error;
          writing = false;
          pending.clear();
          notifyAll();
        }
        throw error;
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
    return socket.read(into);
  }

  void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing on exit: nothing more to tell the runtime
    }
  }
}
