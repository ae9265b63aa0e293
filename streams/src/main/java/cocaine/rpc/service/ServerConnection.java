package cocaine.rpc.service;

import cocaine.rpc.transport.Codec;
import cocaine.rpc.transport.ConnectionSettings;
import cocaine.rpc.transport.SocketStage;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;

/**
 * Serves one accepted connection: bytes in, frames checked against the service's protocol,
 * channels opened on the service, its replies framed back. Protocol breaches are answered with an
 * error on their channel and the connection stays open; undecodable bytes close it.
 */
public final class ServerConnection {
  private static final AtomicLong IDS = new AtomicLong();

  private ServerConnection() {}

  /** A process-wide unique id for {@link ChannelContext#connectionId()}. */
  public static long nextConnectionId() {
    return IDS.incrementAndGet();
  }

  /**
   * The whole connection as a flow, joined with an accepted TCP or unix socket ({@link SocketStage}).
   *
   * @param peer the remote address as text, for logs and {@link ChannelContext#peer()}
   */
  public static Flow<ByteString, ByteString, NotUsed> flow(Service service, ConnectionSettings settings,
      long connectionId, String peer) {
    return Codec.codec(settings.maxFrameBytes()).reversed()
        .join(Flow.fromGraph(new ServerChannels(service, settings, connectionId, peer)));
  }
}
