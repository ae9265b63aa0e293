package cocaine.cluster;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hears multicast announces on a thread of its own and hands each one its {@link AnnounceGate}
 * admits to a consumer (the metalocator). Refused datagrams (malformed, and with a cluster key
 * unsigned, wrongly signed, stale or replayed ones) are ignored with one log line per sender and
 * period ({@link RefusalLog}). At most {@code maxPending} announces may wait for the consumer to
 * call their {@code done}; more are dropped with a log line, so a flood on the group cannot grow a
 * mailbox without bound (a lost announce is re-sent next interval).
 */
public final class AnnounceReceiver implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AnnounceReceiver.class);
  private static final int MAX_DATAGRAM = 65_536;
  /** Shortest time between two log lines about one sender's refused datagrams. */
  private static final Duration LOG_EVERY = Duration.ofSeconds(60);
  /** Senders with log lines of their own; a flood from more addresses shares one line. */
  private static final int LOGGED_SENDERS = 1024;

  private final DatagramChannel channel;
  private final MulticastSettings settings;
  private final AnnounceGate gate;
  private final int maxPending;
  private final Listener consumer;
  private final AtomicInteger pending = new AtomicInteger();
  private final Thread thread;
  private volatile boolean closed;

  private AnnounceReceiver(DatagramChannel channel, MulticastSettings settings, AnnounceGate gate, int maxPending,
      Listener consumer) {
    this.channel = channel;
    this.settings = settings;
    this.gate = gate;
    this.maxPending = maxPending;
    this.consumer = consumer;
    this.thread = new Thread(this::run, "cocaine-announce-receiver");
    this.thread.setDaemon(true);
  }

  /**
   * Binds the announce port and joins the group.
   *
   * @param gate which announces are admitted: {@link AnnounceGate#of} the cluster key
   * @throws IOException when the port cannot be bound or the group joined
   */
  public static AnnounceReceiver start(MulticastSettings settings, AnnounceGate gate, int maxPending,
      Listener consumer) throws IOException {
    if (maxPending < 1) {
      throw new IllegalArgumentException("maxPending must be >= 1, got " + maxPending);
    }
    AnnounceReceiver r = new AnnounceReceiver(settings.openReceiver(), settings, gate, maxPending, consumer);
    r.thread.start();
    log.info("metalocator: listening for announces on {}{}", settings.target(), gate.requiresSignature()
        ? " (only announces signed with cocaine.locator.cluster.announce-key)" : " (unsigned announces accepted)");
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
    RefusalLog refusals = new RefusalLog(line -> log.warn("metalocator: {}", line), LOG_EVERY, LOGGED_SENDERS);
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
      AnnounceGate.Verdict verdict;
      try {
        verdict = gate.check(buf.array(), buf.position(), System.currentTimeMillis());
      } catch (RuntimeException e) {
        // a datagram the gate did not foresee must not stop this thread: no announce would be heard after it
        verdict = new AnnounceGate.Refused("unreadable datagram (" + e + ")");
      }
      if (verdict instanceof AnnounceGate.Admitted admitted) {
        if (pending.incrementAndGet() <= maxPending) {
          consumer.heard(admitted.announce(), this::handled);
          continue;
        }
        pending.decrementAndGet();
        problem = "dropped announce of node '" + admitted.announce().uuid() + "': " + maxPending
            + " announces wait to be handled";
      } else {
        problem = ((AnnounceGate.Refused) verdict).reason();
      }
      refusals.refused(((InetSocketAddress) from).getAddress(), problem, System.nanoTime());
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
