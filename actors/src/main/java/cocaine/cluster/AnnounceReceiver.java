package cocaine.cluster;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hears multicast announces on a thread of its own and hands each well-formed one to a consumer
 * (the metalocator). Malformed datagrams are logged and ignored. At most {@code maxPending}
 * announces may wait for the consumer to call their {@code done}; more are dropped with a log line, so a
 * flood on the group cannot grow a mailbox without bound (a lost announce is re-sent next interval).
 */
public final class AnnounceReceiver implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AnnounceReceiver.class);
  private static final int MAX_DATAGRAM = 65_536;
  private static final long LOG_EVERY_NANOS = 10_000_000_000L;

  private final DatagramChannel channel;
  private final MulticastSettings settings;
  private final int maxPending;
  private final Listener consumer;
  private final AtomicInteger pending = new AtomicInteger();
  private final Thread thread;
  private volatile boolean closed;

  private AnnounceReceiver(DatagramChannel channel, MulticastSettings settings, int maxPending, Listener consumer) {
    this.channel = channel;
    this.settings = settings;
    this.maxPending = maxPending;
    this.consumer = consumer;
    this.thread = new Thread(this::run, "cocaine-announce-receiver");
    this.thread.setDaemon(true);
  }

  /**
   * Binds the announce port and joins the group.
   *
   * @throws IOException when the port cannot be bound or the group joined
   */
  public static AnnounceReceiver start(MulticastSettings settings, int maxPending, Listener consumer)
      throws IOException {
    if (maxPending < 1) {
      throw new IllegalArgumentException("maxPending must be >= 1, got " + maxPending);
    }
    AnnounceReceiver r = new AnnounceReceiver(settings.openReceiver(), settings, maxPending, consumer);
    r.thread.start();
    log.info("metalocator: listening for announces on {}", settings.target());
    return r;
  }

  /** Gets each announce heard; calls {@code done} once it handled it. */
  @FunctionalInterface
  public interface Listener {
    void heard(Announce announce, Runnable done);
  }

  private void handled() {
    pending.decrementAndGet();
  }

  private void run() {
    ByteBuffer buf = ByteBuffer.allocate(MAX_DATAGRAM);
    long lastWarn = System.nanoTime() - LOG_EVERY_NANOS;
    long suppressed = 0;
    while (!closed) {
      SocketAddress from;
      buf.clear();
      try {
        from = channel.receive(buf);
      } catch (ClosedChannelException e) {
        break;
      } catch (IOException e) {
        if (!closed) {
          log.error("metalocator: announce socket on {} failed, no more announces are heard: {}", settings.target(), e.toString());
        }
        break;
      }
      String problem;
      try {
        Announce announce = Announce.decode(buf.array(), buf.position());
        if (pending.incrementAndGet() <= maxPending) {
          consumer.heard(announce, this::handled);
          continue;
        }
        pending.decrementAndGet();
        problem = "dropped announce of node '" + announce.uuid() + "': " + maxPending + " announces wait to be handled";
      } catch (Announce.MalformedAnnounceException e) {
        problem = "ignored a malformed announce from " + from + ": " + e.getMessage();
      }
      long now = System.nanoTime();
      if (now - lastWarn >= LOG_EVERY_NANOS) {
        log.warn("metalocator: {}{}", problem, suppressed > 0 ? " (and " + suppressed + " more since the last such line)" : "");
        lastWarn = now;
        suppressed = 0;
      } else {
        suppressed++;
      }
    }
  }

  /** Leaves the group and stops the thread. */
  @Override
  public void close() {
    closed = true;
    try {
      channel.close();
    } catch (IOException e) {
      log.debug("metalocator: closing the announce socket: {}", e.toString());
    }
  }
}
