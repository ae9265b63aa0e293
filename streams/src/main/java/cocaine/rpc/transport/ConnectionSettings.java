package cocaine.rpc.transport;

/**
 * Bounds of one wire connection: the largest frame accepted, how many messages wait per channel
 * for a consumer that does not pull, how many channels may be live at once, how many bytes of
 * messages may wait inside the connection (towards the services and towards the peer), and how many
 * connections one client address may hold.
 *
 * @param maxFrameBytes a frame declaring more bytes closes the connection
 * @param channelBuffer messages buffered per channel before the connection's reads stop
 * @param maxChannels channels open at once; one more is refused with an error on that channel
 * @param maxBytesInFlight bytes of messages buffered by the connection (client messages not yet taken
 *     by their service plus replies not yet written to the peer) before its reads stop; the buffer
 *     may exceed it by one frame and by the reply each open channel's service had already sent
 * @param maxConnectionsPerClient connections one client address may hold open to one listening
 *     port; one more is closed at once
 */
public record ConnectionSettings(int maxFrameBytes, int channelBuffer, int maxChannels, long maxBytesInFlight,
    int maxConnectionsPerClient) {
  /** Default of {@link #maxBytesInFlight}: 64 MiB. */
  public static final long DEFAULT_MAX_BYTES_IN_FLIGHT = 64L << 20;
  /** Default of {@link #maxConnectionsPerClient}: 1024. */
  public static final int DEFAULT_MAX_CONNECTIONS_PER_CLIENT = 1024;
  /** 16 MiB frames, 16 messages per channel, 1024 channels, 64 MiB in flight. */
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
    if (maxBytesInFlight < 1) {
      throw new IllegalArgumentException("maxBytesInFlight: " + maxBytesInFlight + " (expected: >= 1)");
    }
    if (maxConnectionsPerClient < 1) {
      throw new IllegalArgumentException("maxConnectionsPerClient: " + maxConnectionsPerClient + " (expected: >= 1)");
    }
  }

  /** With the default {@link #maxBytesInFlight} and {@link #maxConnectionsPerClient}. */
  public ConnectionSettings(int maxFrameBytes, int channelBuffer, int maxChannels) {
    this(maxFrameBytes, channelBuffer, maxChannels, DEFAULT_MAX_BYTES_IN_FLIGHT);
  }

  /** With the default {@link #maxConnectionsPerClient}. */
  public ConnectionSettings(int maxFrameBytes, int channelBuffer, int maxChannels, long maxBytesInFlight) {
    this(maxFrameBytes, channelBuffer, maxChannels, maxBytesInFlight, DEFAULT_MAX_CONNECTIONS_PER_CLIENT);
  }
}
