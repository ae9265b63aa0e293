package cocaine.locator;

import cocaine.config.NetworkSettings;
import cocaine.rpc.transport.ConnectionSettings;

/** The wire bounds of {@code cocaine.network} as every server of this process applies them. */
public final class ConnectionLimits {
  private ConnectionLimits() {}

  /** Frame size, channel buffer, channels, bytes in flight and connections per client of {@code network}. */
  public static ConnectionSettings of(NetworkSettings network) {
    return new ConnectionSettings(network.maxFrameBytes(), network.channelBuffer(), network.maxChannels(),
        network.maxBytesInFlight(), network.maxConnectionsPerClient());
  }
}
