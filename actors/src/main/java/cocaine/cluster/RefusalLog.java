package cocaine.cluster;

import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One log line per sender about the datagrams the receiver refused, at most once per period: the
 * first refusal of a sender is logged at once, later ones within the period are counted and the count
 * goes with that sender's next line. A flood from many (perhaps spoofed) addresses cannot grow the
 * table past {@code maxSenders}: beyond it, senders share one line per period. Pure and
 * single-threaded (the receiver's thread); time is passed in.
 */
final class RefusalLog {
  private static final class Sender {
    long loggedAt;
    long heldBack;

    Sender(long loggedAt) {
      this.loggedAt = loggedAt;
    }
  }

  private final Consumer<String> out;
  private final long periodNanos;
  private final int maxSenders;
  private final Map<InetAddress, Sender> senders = new HashMap<>();
  /** The line shared by senders that found the table full. */
  private Sender others;
  private long prunedAt;
  private boolean pruned;

  /**
   * @param out        where a line goes (a logger's warn)
   * @param period     shortest time between two lines about one sender
   * @param maxSenders senders with a line of their own; at least 1
   */
  RefusalLog(Consumer<String> out, Duration period, int maxSenders) {
    if (maxSenders < 1) {
      throw new IllegalArgumentException("maxSenders must be >= 1, got " + maxSenders);
    }
    this.out = out;
    this.periodNanos = period.toNanos();
    this.maxSenders = maxSenders;
  }

  /** A datagram from {@code from} was refused for {@code reason}, at {@code nowNanos} (System.nanoTime()). */
  void refused(InetAddress from, String reason, long nowNanos) {
    Sender s = senders.get(from);
    if (s == null) {
      if (senders.size() >= maxSenders && (!pruned || nowNanos - prunedAt >= periodNanos)) {
        // at most once a period, so that a flood from new addresses does not scan the table per datagram
        prunedAt = nowNanos;
        pruned = true;
        senders.values().removeIf(quiet -> nowNanos - quiet.loggedAt >= periodNanos && quiet.heldBack == 0);
      }
      if (senders.size() >= maxSenders) {
        sharedLine(from, reason, nowNanos);
        return;
      }
      senders.put(from, new Sender(nowNanos));
      out.accept(line(from, reason, 0));
      return;
    }
    if (nowNanos - s.loggedAt < periodNanos) {
      s.heldBack++;
      return;
    }
    out.accept(line(from, reason, s.heldBack));
    s.loggedAt = nowNanos;
    s.heldBack = 0;
  }

  /** Senders with a line of their own now, for tests. */
  int tracked() {
    return senders.size();
  }

  private void sharedLine(InetAddress from, String reason, long nowNanos) {
    if (others != null && nowNanos - others.loggedAt < periodNanos) {
      others.heldBack++;
      return;
    }
    long held = others == null ? 0 : others.heldBack;
    others = new Sender(nowNanos);
    out.accept(line(from, reason, held) + " [" + maxSenders + " senders are tracked already: further senders share "
        + "this line]");
  }

  private String line(InetAddress from, String reason, long heldBack) {
    return "ignored a datagram from " + from.getHostAddress() + ": " + reason
        + (heldBack > 0 ? " (and " + heldBack + " more refused since the last line about this sender)" : "");
  }
}
