package cocaine.builder;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Locale;
import java.util.Optional;
import org.eclipse.jgit.errors.TooLargeObjectInPackException;
import org.eclipse.jgit.transport.ReceivePack;
import org.eclipse.jgit.transport.UnpackErrorHandler;

/**
 * The largest push the builder takes ({@value #SETTING}): the bytes a client sends (its update
 * commands and the pack) are counted as JGit reads them, and the read that would go past the limit
 * fails, so a push is never stored, or held in memory, beyond it; JGit deletes the part of the pack
 * it wrote. An object that would unpack larger than the limit is refused too. The client is told
 * the limit and the setting on the side band ({@code remote: builder: ...}) and in the status report.
 *
 * <p>JGit's own pack size limit is not used: past its limit it reports the end of the stream when no
 * more bytes have arrived yet, so a client still sending was told "Packfile is truncated".
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

  /**
   * Runs {@code receive} (of {@code app}) on the client's streams within the limit.
   *
   * @throws org.eclipse.jgit.errors.UnpackException after the client got the status report saying why,
   *     e.g. the limit ({@link #refusal(Throwable, String)} tells)
   */
  void receive(ReceivePack receive, String app, InputStream in, OutputStream out, OutputStream err)
      throws IOException {
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
    receive.receive(new Counted(in, maxBytes), out, err);
  }

  /** The refusal of a push of {@code app} that {@code cause} stopped; empty when the cause was not this limit. */
  Optional<String> refusal(Throwable cause, String app) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof TooLarge) {
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

  /** The read that would pass the limit. */
  static final class TooLarge extends IOException {
    TooLarge(long limit) {
      super("the push is larger than " + limit + " bytes");
    }
  }

  /**
   * The client's bytes, at most {@code limit} of them: a read past it blocks for one more byte and
   * fails if one comes (at the end of the stream it is the end).
   */
  private static final class Counted extends FilterInputStream {
    private final long limit;
    private long left;

    Counted(InputStream in, long limit) {
      super(in);
      this.limit = limit;
      this.left = limit;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (left == 0) {
        if (in.read() < 0) {
          return -1;
        }
        throw new TooLarge(limit);
      }
      int n = in.read(b, off, (int) Math.min(len, left));
      if (n > 0) {
        left -= n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      byte[] buffer = new byte[(int) Math.min(n, 8192)];
      int read = read(buffer, 0, buffer.length);
      return Math.max(read, 0);
    }

    @Override
    public int available() throws IOException {
      return (int) Math.min(in.available(), left);
    }

    @Override
    public boolean markSupported() {
      return false;
    }
  }
}
