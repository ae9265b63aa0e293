package cocaine.builder;

import java.io.IOException;
import java.util.Locale;
import java.util.Optional;
import org.eclipse.jgit.errors.TooLargeObjectInPackException;
import org.eclipse.jgit.errors.TooLargePackException;
import org.eclipse.jgit.transport.ReceivePack;
import org.eclipse.jgit.transport.UnpackErrorHandler;

/**
 * The largest push the builder takes ({@value #SETTING}). JGit counts the pack's bytes as they arrive
 * and stops reading at the limit (and refuses an object that would unpack larger than it), so a push
 * is never stored, or held in memory, beyond it; what it wrote so far is deleted. The client is told
 * the limit and the setting in the push's status report.
 *
 * @param maxBytes the limit, at least 1
 */
record PushLimit(long maxBytes) {
  static final String SETTING = "cocaine.builder.max-push-size";

  PushLimit {
    if (maxBytes < 1) {
      throw new IllegalArgumentException("a push limit must be at least 1 byte, got " + maxBytes);
    }
  }

  /** Sets the limit on a receive of {@code app}, with a status report that names it. */
  void applyTo(ReceivePack receive, String app) {
    receive.setMaxPackSizeLimit(maxBytes);
    receive.setMaxObjectSizeLimit(maxBytes);
    UnpackErrorHandler reportsTheError = receive.getUnpackErrorHandler();
    receive.setUnpackErrorHandler(e -> {
      Optional<String> refusal = refusal(e, app);
      if (refusal.isEmpty()) {
        reportsTheError.handleUnpackException(e);
        return;
      }
      receive.sendMessage("builder: " + refusal.get()); // "remote: builder: ..." before the status report
      reportsTheError.handleUnpackException(new IOException(refusal.get(), e));
    });
  }

  /** The refusal of a push of {@code app} that {@code cause} stopped; empty when the cause was not this limit. */
  Optional<String> refusal(Throwable cause, String app) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof TooLargePackException) {
        return Optional.of(refusal(app, "is larger than"));
      }
      if (t instanceof TooLargeObjectInPackException) {
        return Optional.of(refusal(app, "holds a file or object larger than"));
      }
    }
    return Optional.empty();
  }

  private String refusal(String app, String what) {
    return "push of '" + app + "' refused: it " + what + " the limit of " + size(maxBytes) + " (" + SETTING + ");"
        + " nothing of it was kept";
  }

  /** {@code 256 MiB}, {@code 1.5 GiB}, {@code 512 bytes}: the way the setting is usually written. */
  static String size(long bytes) {
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    if (bytes < 1024) {
      return bytes + " bytes";
    }
    double value = bytes;
    int unit = -1;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    String number = value == Math.rint(value) ? String.valueOf((long) value) : String.format(Locale.ROOT, "%.1f", value);
    return number + " " + units[unit] + (bytes % 1024 == 0 ? "" : " (" + bytes + " bytes)");
  }
}
