package cocaine.gateway;

import cocaine.config.NetworkSettings;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.util.BitSet;

/**
 * Ports of virtual services, taken from {@code cocaine.network.shared-ports} (docs/protocol.md 6.1).
 * Not thread-safe: a gateway uses it from its one thread or actor.
 */
public final class VirtualPorts {
  private final NetworkSettings.PortRange range;
  private final BitSet taken = new BitSet();
  private int next;

  public VirtualPorts(NetworkSettings.PortRange range) {
    this.range = range;
    this.next = range.min();
  }

  /** True when the OS assigns ports (range [0, 0]); kernel gateways cannot work that way. */
  public boolean osAssigned() {
    return range.osAssigned();
  }

  /** A free port of the range, or 0 when the OS assigns ports. */
  public int take() {
    if (range.osAssigned()) {
      return 0;
    }
    int size = range.max() - range.min();
    for (int i = 0; i < size; i++) {
      int port = range.min() + Math.floorMod(next - range.min() + i, size);
      if (!taken.get(port)) {
        taken.set(port);
        next = port + 1;
        return port;
      }
    }
    throw new CocaineException(ErrorCode.NO_SPACE, "no free virtual port left in"
        + " cocaine.network.shared-ports [" + range.min() + ", " + range.max() + "): widen the range");
  }

  /** Gives a port back. */
  public void release(int port) {
    if (port > 0) {
      taken.clear(port);
    }
  }
}
