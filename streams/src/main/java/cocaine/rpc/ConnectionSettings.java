package cocaine.rpc;

/**
 * Bounds of one wire connection: the largest frame accepted, how many messages wait per channel
 * for a consumer that does not pull, and how many channels may be live at once.
 *
 * @param maxFrameBytes a frame declaring more bytes closes the connection
 * @param channelBuffer messages buffered per channel before the connection's reads stop
 * @param maxChannels channels open at once; one more is refused with an error on that channel
 */
public record ConnectionSettings(int maxFrameBytes, int channelBuffer, int maxChannels) {
  /** 16 MiB frames, 16 messages per channel, 1024 channels. */
  public static final ConnectionSettings DEFAULTS = new ConnectionSettings(16 << 20, 16, 1024);

  public ConnectionSettings {
    if (maxFrameBytes < 16) {
      throw new IllegalArgumentException("maxFrameBytes: " + maxFrameBytes + " (expected: >= 16)");
    }
    if (channelBuffer < 1) {
      throw new IllegalArgumentException("channelBuffer: " + channelBuffer + " (expected: >= 1)");
    }
    if (maxChannels < 1) {
      throw new IllegalArgumentException("maxChannels: " + maxChannels + " (expected: >= 1)");
    }
  }
}
