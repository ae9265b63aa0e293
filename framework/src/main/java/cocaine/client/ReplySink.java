package cocaine.client;

import cocaine.wire.CocaineException;
import cocaine.wire.Message;

/** Where the connection's reader thread puts the replies of one channel. */
interface ReplySink {
  /** Takes one reply; may block the reader thread to push back on the service. */
  void deliver(Message message) throws InterruptedException;

  /** The channel can get no more replies (disconnect, protocol violation). Idempotent. */
  void fail(CocaineException cause);
}
