package cocaine.rpc.service;

/**
 * Where a channel comes from: the connection (unique per process) and the peer's address, for logs
 * and for state that lives as long as a connection (locator publish).
 *
 * @param connectionId unique per accepted connection in this process
 * @param peer remote address as text, e.g. "127.0.0.1:53412", "unix" or "in-process"
 * @param channel the channel id chosen by the client
 */
public record ChannelContext(long connectionId, String peer, long channel) {}
