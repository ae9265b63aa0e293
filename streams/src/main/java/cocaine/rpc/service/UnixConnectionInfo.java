package cocaine.rpc.service;

import java.nio.file.Path;

/**
 * An accepted unix-socket connection, as its handler sees it.
 *
 * @param connectionId unique in this process, like a TCP connection's
 * @param socketPath the listening socket it came through
 */
public record UnixConnectionInfo(long connectionId, Path socketPath) {
  /** The peer as text for logs and {@link ChannelContext#peer()}: "unix:&lt;path&gt;#&lt;id&gt;". */
  public String peer() {
    return "unix:" + socketPath + "#" + connectionId;
  }
}
