package cocaine.config;

/**
 * The wire's frame limit ({@code cocaine.network.max-frame-bytes}) and the HTTP proxy's body limit
 * ({@code cocaine.proxy.max-body-bytes}), made to agree: a non-streaming app gets a request's whole
 * body inside its first chunk, one frame, so every body the proxy accepts must fit a frame with the
 * request's head beside it. Either may be {@code auto}: the frame limit is then the body limit plus
 * {@link #headAllowance} (at most 2 GiB, what one frame can be), or the body limit the frame limit
 * less it; both {@code auto} gives a 64 MiB body in a 65 MiB frame. Both set, the body limit may be
 * the larger, for streaming apps' uploads: a body whole then stops at {@link #wholeBodyBytes}.
 *
 * @param maxFrameBytes largest frame accepted on any connection
 * @param maxBodyBytes largest HTTP request body the proxy accepts
 */
public record FrameAndBody(int maxFrameBytes, long maxBodyBytes) {
  /** The body limit when both are {@code auto}. */
  public static final long DEFAULT_BODY_BYTES = 64L << 20;
  /** Room for the request's head (method, URI, headers) beside a body in one frame, at most. */
  public static final int HEAD_ALLOWANCE = 1 << 20;

  /** What a frame of {@code maxFrameBytes} keeps for the head: 1 MiB, or half of a smaller frame. */
  public static long headAllowance(long maxFrameBytes) {
    return Math.min(HEAD_ALLOWANCE, maxFrameBytes / 2);
  }

  static FrameAndBody of(SettingsReader network, SettingsReader proxy) {
    long frame = network.bytesOrAuto("max-frame-bytes", 16, Integer.MAX_VALUE);
    long body = proxy.bytesOrAuto("max-body-bytes", 1, Long.MAX_VALUE);
    if (frame < 0 && body < 0) {
      body = DEFAULT_BODY_BYTES;
    }
    if (frame < 0) {
      return new FrameAndBody((int) Math.min(body + HEAD_ALLOWANCE, Integer.MAX_VALUE), body);
    }
    return new FrameAndBody((int) frame, body < 0 ? wholeBodyBytes(frame, Long.MAX_VALUE) : body);
  }

  /** The largest body a non-streaming app can get whole: what a frame carries beside the head. */
  public long wholeBodyBytes() {
    return wholeBodyBytes(maxFrameBytes, maxBodyBytes);
  }

  /** The largest body that goes whole in one frame of {@code maxFrameBytes}, and at most {@code maxBodyBytes}. */
  public static long wholeBodyBytes(long maxFrameBytes, long maxBodyBytes) {
    return Math.min(maxBodyBytes, maxFrameBytes - headAllowance(maxFrameBytes));
  }
}
