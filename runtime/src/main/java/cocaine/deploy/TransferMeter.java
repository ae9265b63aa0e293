package cocaine.deploy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The bytes of a Docker push or pull summed over its layers, told as one line at most every
 * {@code period}: {@code 12.3 MiB of 45.0 MiB (27%) at 3.1 MiB/s, 11s left}. Plain lines, so a pipe,
 * a log and a git client's {@code remote:} lines show them as they are; a terminal redraws them in
 * place ({@link #percent} finds the figure to draw a bar from). Time is passed in; no threads.
 */
public final class TransferMeter {
  private static final Pattern PERCENT = Pattern.compile(" \\((\\d{1,3})%\\) at ");
  private final long startNanos;
  private final long periodNanos;
  private final Map<String, long[]> layers = new HashMap<>();
  private long lastToldNanos;

  public TransferMeter(long startNanos, Duration period) {
    if (period.isNegative()) {
      throw new IllegalArgumentException("a progress period cannot be negative: " + period);
    }
    this.startNanos = startNanos;
    this.periodNanos = period.toNanos();
    this.lastToldNanos = startNanos;
  }

  /** Records that {@code layer} has moved {@code current} of its {@code total} bytes; the line to tell, when one is due. */
  public Optional<String> update(String layer, long current, long total, long nowNanos) {
    if (total <= 0 || current < 0) {
      return Optional.empty();
    }
    layers.put(layer, new long[] {Math.min(current, total), total});
    if (nowNanos - lastToldNanos < periodNanos) {
      return Optional.empty();
    }
    lastToldNanos = nowNanos;
    return Optional.of(line(nowNanos));
  }

  /** The closing line once the transfer ended: what moved and how fast; empty when nothing was counted. */
  public Optional<String> finish(long nowNanos) {
    if (layers.isEmpty()) {
      return Optional.empty();
    }
    long total = layers.values().stream().mapToLong(l -> l[1]).sum();
    double seconds = Math.max(1e-3, (nowNanos - startNanos) / 1e9);
    return Optional.of(Units.bytes(total) + " in " + Units.duration(Math.round(seconds)) + " ("
        + Units.bytes(Math.round(total / seconds)) + "/s)");
  }

  /** {@code done of total (p%) at rate/s, eta left}. */
  String line(long nowNanos) {
    long done = layers.values().stream().mapToLong(l -> l[0]).sum();
    long total = layers.values().stream().mapToLong(l -> l[1]).sum();
    double seconds = Math.max(1e-3, (nowNanos - startNanos) / 1e9);
    double rate = done / seconds;
    String eta = rate <= 0 ? "?" : Units.duration(Math.round((total - done) / rate));
    return Units.bytes(done) + " of " + Units.bytes(total) + " (" + done * 100 / total + "%) at "
        + Units.bytes(Math.round(rate)) + "/s, " + eta + " left";
  }

  /** The percentage of a line {@link #update} told, or -1 for any other line. */
  public static int percent(String line) {
    Matcher m = PERCENT.matcher(line);
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }
}
