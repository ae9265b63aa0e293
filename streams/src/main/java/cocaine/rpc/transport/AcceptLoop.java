package cocaine.rpc.transport;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The blocking accept loop of a listening socket (TCP or unix), run on the socket's own thread
 * until the socket is closed. A failing accept (no file descriptors left, say) fails again at once,
 * so it is logged once and retried every {@value #RETRY_MILLIS} ms, and logged again once it works.
 */
public final class AcceptLoop {
  static final long RETRY_MILLIS = 100;
  private static final Logger log = LoggerFactory.getLogger(AcceptLoop.class);

  /** Waits before the next attempt; true when the socket was closed meanwhile. */
  public interface Pause {
    boolean closedWithin(long millis) throws InterruptedException;
  }

  private AcceptLoop() {}

  /**
   * Accepts until {@code server} is closed, handing each connection to {@code serve}.
   *
   * @param what names the socket in log lines, e.g. "'echo' on 127.0.0.1:4000"
   * @throws InterruptedException when the thread was interrupted during a pause
   */
  public static void run(ServerSocketChannel server, String what, Pause pause, Consumer<SocketChannel> serve)
      throws InterruptedException {
    boolean failing = false;
    while (true) {
      SocketChannel socket;
      try {
        socket = server.accept();
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        if (!failing) {
          log.warn("{} cannot accept connections: {}; retrying every {} ms, logged again once it works", what,
              e.toString(), RETRY_MILLIS);
          failing = true;
        }
        if (pause.closedWithin(RETRY_MILLIS)) {
          return;
        }
        continue;
      }
      if (failing) {
        log.info("{} accepts connections again", what);
        failing = false;
      }
      serve.accept(socket);
    }
  }
}
