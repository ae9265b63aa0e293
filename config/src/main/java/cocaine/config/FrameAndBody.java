package cocaine.config;

/**
 * The wire's frame limit ({@code cocaine.network.max-frame-bytes}) and the HTTP proxy's body limit
 * ({@code cocaine.proxy.max-body-bytes}), made to agree: a non-streaming app gets a request's whole
 * body inside its first chunk, one frame, so every body the proxy accepts must fit a frame with the
 * request's head beside it. Either may be {@code auto}: the frame limit is then the body limit plus
 * {@link #headAllowance}, or the body limit the frame limit less it; both {@code auto} gives a 64 MiB
 * body in a 65 MiB frame. Both set must agree, or start-up stops naming both keys.
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
    long body = proxy.bytesOrAuto("max-body-bytes", 1, Integer.MAX_VALUE - HEAD_ALLOWANCE);
    if (frame < 0 && body < 0) {
      body = DEFAULT_BODY_BYTES;
    }
    if (frame < 0) {
      return new FrameAndBody((int) (body + HEAD_ALLOWANCE), body);
    }
    long fits = frame - headAllowance(frame);
    if (body < 0) {
      return new FrameAndBody((int) frame, fits);
    }
    if (body > fits) {
      throw new SettingsException("'" + network.path("max-frame-bytes") + "' (" + frame + " bytes) and '"
          + proxy.path("max-body-bytes") + "' (" + body + " bytes) disagree: a body the proxy accepts must fit one "
          + "frame with its request's head (" + headAllowance(frame) + " bytes); set max-frame-bytes to at least "
          + (body + HEAD_ALLOWANCE) + ", max-body-bytes to at most " + fits + ", or either to auto");
    }
    return new FrameAndBody((int) frame, body);
  }
}
