package cocaine.rpc.transport;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import org.apache.pekko.util.ByteString;

/**
 * A socket that the {@link SelectorLoop}'s thread reads for its owner while the owner waits for
 * bytes. Handing the owner a "readable" to read itself costs, a read, an {@code epoll_ctl} to drop
 * the interest, one to ask for it again, and the selector's {@code eventfd} wake-up to apply it
 * (docs/design.md, "Transport"); here the selector reads as the socket becomes readable, hands the
 * bytes over, and keeps the interest on while the owner keeps asking, so a connection that waits for
 * its next request costs its read and nothing else. One read a {@link #want}: the owner's demand
 * bounds what is read, as before. Other ready operations (writable) go to the owner as they did.
 */
final class SelectorRead {
  /** What one read brought: bytes ({@code full}: the read filled its limit, more may be there), the end, or a failure. */
  sealed interface Outcome {}

  record Bytes(ByteString bytes, boolean full) implements Outcome {}

  record End() implements Outcome {}

  record Failed(IOException error) implements Outcome {}

  private static final End END = new End();

  private final SocketChannel socket;
  private final int limit;
  private final IntConsumer ready;
  private final Consumer<Outcome> delivered;
  /** The owner waits for one read; the selector's thread clears it when it reads. */
  private final AtomicBoolean wanted = new AtomicBoolean();

  /**
   * @param limit the most one read takes
   * @param ready gets the other ready operations (the interest in them dropped, as for any socket)
   * @param delivered gets each read's outcome, on the selector's thread: it must only hand it over
   */
  SelectorRead(SocketChannel socket, int limit, IntConsumer ready, Consumer<Outcome> delivered) {
    this.socket = socket;
    this.limit = limit;
    this.ready = ready;
    this.delivered = delivered;
  }

  int limit() {
    return limit;
  }

  /** The owner's side: read once when the socket is readable. */
  void want(SelectorLoop loop, SelectionKey key) {
    wanted.set(true);
    loop.interest(key, SelectionKey.OP_READ); // no change, no system call, when the interest is still on
  }

  /** The selector's thread: {@code ops} are ready on {@code key}; {@code buffer} is the thread's. */
  void selected(SelectionKey key, int ops, ByteBuffer buffer) {
    try {
      if ((ops & SelectionKey.OP_READ) != 0) {
        readable(key, buffer);
      }
      int others = ops & ~SelectionKey.OP_READ;
      if (others != 0) {
        key.interestOpsAnd(~others);
        ready.accept(others);
      }
    } catch (CancelledKeyException e) {
      // the socket was closed meanwhile; its owner has stopped
    }
  }

  /**
   * One read of at most {@code limit} bytes into {@code buffer}, whoever makes it (the selector's
   * thread here, the stage's own while its socket has more); null when the socket had nothing.
   */
  static Outcome read(SocketChannel socket, ByteBuffer buffer, int limit) {
    buffer.clear().limit(limit);
    int n;
    try {
      n = socket.read(buffer);
    } catch (IOException e) {
      return new Failed(e);
    }
    if (n == 0) {
      return null;
    }
    if (n < 0) {
      return END;
    }
    buffer.flip();
    return new Bytes(ByteString.fromByteBuffer(buffer), n == limit); // a copy: the buffer is the reader's thread's
  }

  private void readable(SelectionKey key, ByteBuffer buffer) {
    if (!wanted.getAndSet(false)) {
      // Nobody waits: stop watching, or a level-triggered selector would return at once, again.
      key.interestOpsAnd(~SelectionKey.OP_READ);
      if (wanted.get()) { // the owner asked between the two steps and found the interest still on
        key.interestOpsOr(SelectionKey.OP_READ);
      }
      return;
    }
    Outcome outcome = read(socket, buffer, limit);
    if (outcome == null) {
      wanted.set(true); // readiness without bytes: wait for the next one
      return;
    }
    if (!(outcome instanceof Bytes)) {
      key.interestOpsAnd(~SelectionKey.OP_READ);
    }
    delivered.accept(outcome);
  }
}
