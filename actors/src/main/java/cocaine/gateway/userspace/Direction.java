package cocaine.gateway.userspace;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * One direction of a {@link Splice}: bytes read from {@code from} wait in {@code buffer} (kept in fill
 * mode) until {@code to} takes them; {@code from} is read only while the buffer has room, so a slow
 * {@code to} stops the reading from {@code from}. The end of {@code from}'s stream is passed on as
 * a half-close of {@code to} once the buffer is empty.
 */
final class Direction {
  final SocketChannel from;
  final ByteBuffer buffer;
  final SocketChannel to;
  boolean eof;
  /** The end of stream was passed on: {@code to}'s output is shut. */
  boolean shut;

  Direction(SocketChannel from, ByteBuffer buffer, SocketChannel to) {
    this.from = from;
    this.buffer = buffer;
    this.to = to;
  }

  /** Reads what fits, writes what the peer takes; true when a byte or the end of stream moved. */
  boolean move() throws IOException {
    boolean moved = false;
    if (wantsRead()) {
      int n = from.read(buffer);
      if (n < 0) {
        eof = true;
      }
      moved = n != 0;
    }
    if (buffer.position() > 0) {
      buffer.flip();
      moved |= to.write(buffer) > 0;
      buffer.compact();
    }
    if (eof && buffer.position() == 0 && !shut) {
      shut = true;
      to.shutdownOutput();
      moved = true;
    }
    return moved;
  }

  boolean wantsRead() {
    return !eof && buffer.hasRemaining();
  }

  boolean wantsWrite() {
    return buffer.position() > 0;
  }
}
