package cocaine.rpc;

import java.io.IOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.function.IntConsumer;

/**
 * Waits for non-blocking sockets to become ready and calls their owners ({@link SocketStage}) back:
 * a {@link SelectorLoop} thread of its own, or the {@link EventLoop} the stream itself runs on.
 */
interface Watcher {
  /** Watches {@code socket} (non-blocking) for nothing yet; {@code ready} gets the ready operations. */
  SelectionKey register(SocketChannel socket, IntConsumer ready) throws IOException;

  /** Calls the socket's owner back once when {@code op} is ready; then the interest is dropped. */
  void interest(SelectionKey key, int op);

  /** Lets the selector drop the keys of sockets closed since its last round (and their descriptors). */
  void wakeup();

  /**
   * A selected key: drops the interest in what is ready (its owner asks again when it must wait once
   * more) and tells the owner.
   */
  static void ready(SelectionKey key) {
    int ops;
    try {
      ops = key.readyOps();
      key.interestOpsAnd(~ops);
    } catch (CancelledKeyException e) {
      return; // the socket was closed meanwhile; its owner has stopped
    }
    ((IntConsumer) key.attachment()).accept(ops);
  }
}
