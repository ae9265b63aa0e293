package cocaine.config;

import java.util.Objects;

/**
 * Where this process listens and what it tells others ({@code cocaine.network}).
 *
 * @param host          address every listening socket binds to
 * @param hostname      address announced to other processes
 * @param locatorPort   TCP port of the locator service (0 = OS-assigned)
 * @param sharedPorts   [min, max) range for every other service and app
 * @param maxFrameBytes largest msgpack frame accepted on a connection
 * @param channelBuffer messages buffered per channel before the sender is backpressured
 * @param maxChannels   channels open at once on one connection; one more is refused with an error
 * @param maxBytesInFlight bytes of messages one connection buffers before it stops reading
 * @param maxConnectionsPerClient connections one client address may hold open to one port
 * @param wireBudgetBytes bytes read off the sockets of all connections and not yet decoded, together,
 *     before the reads of connections in the middle of a frame stop ({@code wire-budget})
 * @param messageBudgetBytes bytes of decoded messages all server connections hold together (not yet
 *     taken by their service, or not yet written to the peer) before the reads of connections
 *     holding some stop ({@code message-budget})
 * @param inProcess a client of this process connects to a server of this process without a socket
 *     ({@code in-process}; the HTTP proxy to the apps of its own node under {@code --role all})
 */
public record NetworkSettings(String host, String hostname, int locatorPort, PortRange sharedPorts,
    int maxFrameBytes, int channelBuffer, int maxChannels, long maxBytesInFlight, int maxConnectionsPerClient,
    long wireBudgetBytes, long messageBudgetBytes, boolean inProcess) {
  /** The share of the heap {@code wire-budget = auto} gives: a quarter. */
  public static final long WIRE_BUDGET_HEAP_SHARE = 4;
  /** The share of the heap {@code message-budget = auto} gives: a quarter. */
  public static final long MESSAGE_BUDGET_HEAP_SHARE = 4;

  public NetworkSettings {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(hostname, "hostname");
    Objects.requireNonNull(sharedPorts, "sharedPorts");
  }

  /** Ports [min, max) that services and apps take from; [0, 0] means each port is OS-assigned. */
  public record PortRange(int min, int max) {
    public PortRange {
      if (min < 0 || max > 65535 || min > max) {
        throw new IllegalArgumentException("port range [" + min + ", " + max + ") is not within 0..65535");
      }
    }

    /** True when the OS picks each port (bind to port 0). */
    public boolean osAssigned() {
      return min == 0 && max == 0;
    }
  }

  static NetworkSettings from(SettingsReader r, int maxFrameBytes) {
    var ports = r.rawList("shared-ports");
    String rule = "must be [min, max] with 0 <= min <= max <= 65535";
    if (ports.size() != 2) {
      throw r.bad(r.path("shared-ports"), ports, rule);
    }
    long min = r.integer(r.path("shared-ports") + "[0]", ports.get(0), 0, 65535);
    long max = r.integer(r.path("shared-ports") + "[1]", ports.get(1), 0, 65535);
    if (min > max) {
      throw r.bad(r.path("shared-ports"), ports, rule);
    }
    return new NetworkSettings(
        r.nonEmptyString("host"),
        r.nonEmptyString("hostname"),
        r.port("locator-port"),
        new PortRange((int) min, (int) max),
        maxFrameBytes,
        (int) r.integer("channel-buffer", 1, Integer.MAX_VALUE),
        (int) r.integer("max-channels", 1, Integer.MAX_VALUE),
        r.bytes("max-bytes-in-flight", 1, Long.MAX_VALUE),
        (int) r.integer("max-connections-per-client", 1, Integer.MAX_VALUE),
        wireBudget(r.bytesOrAuto("wire-budget", 1, Long.MAX_VALUE)),
        heapShare(r.bytesOrAuto("message-budget", 1, Long.MAX_VALUE), MESSAGE_BUDGET_HEAP_SHARE),
        r.bool("in-process"));
  }

  /** {@code auto} (-1): a quarter of this process's heap. */
  static long wireBudget(long configured) {
    return heapShare(configured, WIRE_BUDGET_HEAP_SHARE);
  }

  /** {@code auto} (-1): the heap divided by {@code share}; else what was configured. */
  private static long heapShare(long configured, long share) {
    return configured < 0 ? Runtime.getRuntime().maxMemory() / share : configured;
  }
}
