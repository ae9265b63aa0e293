package cocaine.node.isolate.docker;

import cocaine.node.isolate.OutputRing;
import java.io.IOException;
import java.io.InputStream;
import java.util.HexFormat;

/**
 * Docker's attach stream of a container without a TTY: frames of an 8-byte header
 * ({@code [stream, 0, 0, 0, size as big-endian uint32]}, stream 1 = stdout, 2 = stderr) and
 * {@code size} bytes of output. Both streams go into the worker's one output ring, as a process
 * worker's merged stdout and stderr do.
 */
final class AttachStream {
  static final int HEADER = 8;
  private static final int BUFFER = 8192;

  private AttachStream() {}

  /**
   * Copies output until the stream ends (the container stopped) or breaks.
   *
   * @throws IOException when the stream breaks or is not an attach stream (a bad header)
   */
  static void copy(InputStream in, OutputRing ring) throws IOException {
    byte[] header = new byte[HEADER];
    byte[] buf = new byte[BUFFER];
    while (true) {
      int got = in.readNBytes(header, 0, HEADER);
      if (got == 0) {
        return;
      }
      if (got < HEADER) {
        throw new IOException("the attach stream ended inside a frame header");
      }
      int stream = header[0];
      if (stream < 0 || stream > 2 || header[1] != 0 || header[2] != 0 || header[3] != 0) {
        throw new IOException("not a multiplexed attach stream (a container with a TTY?): header "
            + HexFormat.of().formatHex(header));
      }
      long size = ((header[4] & 0xffL) << 24) | ((header[5] & 0xff) << 16) | ((header[6] & 0xff) << 8) | (header[7] & 0xff);
      while (size > 0) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, size));
        if (n < 0) {
          throw new IOException("the attach stream ended inside a frame");
        }
        ring.feed(buf, 0, n);
        size -= n;
      }
    }
  }
}
