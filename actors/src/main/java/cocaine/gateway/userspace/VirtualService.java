package cocaine.gateway.userspace;

import java.nio.channels.ServerSocketChannel;
import java.util.Map;

/**
 * One app's listener and the reals its clients are spliced to. The gateway actor replaces
 * {@link #reals} whole; the relay thread reads the latest table at each accept, so adding or
 * removing a real costs the relay nothing and a connection costs the actor nothing.
 */
final class VirtualService {
  final String app;
  final ServerSocketChannel listener;
  final int port;
  /** node -> real; immutable, replaced on each change. */
  volatile Map<String, Real> reals = Map.of();

  VirtualService(String app, ServerSocketChannel listener, int port) {
    this.app = app;
    this.listener = listener;
    this.port = port;
  }
}
