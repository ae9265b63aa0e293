package cocaine.gateway.userspace;

import cocaine.locator.Endpoint;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection of a {@link VirtualService} and its real, on the {@link Relay}'s thread:
 * connecting to the least loaded real (the next one when a real refuses), then moving bytes both
 * ways, each {@link Direction} through one buffer, until both ends are shut or a side fails.
 */
final class Splice {
  // the relay's logger: a connection's lines are the relay's data path, found under one name
  private static final Logger log = LoggerFactory.getLogger(Relay.class);
  /** Read/write turns per ready connection in one round, so one busy connection does not starve the others. */
  private static final int TURNS_PER_ROUND = 8;

  private final Relay relay;
  private final UserspaceSettings settings;
  private final VirtualService service;
  private final SocketChannel client;
  private final String peer;
  private final List<Endpoint> tried = new ArrayList<>(2);
  private SelectionKey clientKey;
  private SelectionKey realKey;
  private Real real;
  private Endpoint endpoint;
  private SocketChannel realChannel;
  private boolean connected;
  private boolean ended;
  /** client -> real and real -> client; set once connected. */
  private Direction up;
  private Direction down;

  Splice(Relay relay, UserspaceSettings settings, VirtualService service, SocketChannel client, String peer) {
    this.relay = relay;
    this.settings = settings;
    this.service = service;
    this.client = client;
    this.peer = peer;
  }

  /** Watches the accepted client and connects it to a real; ends the client when it cannot be watched. */
  void start() {
    try {
      client.configureBlocking(false);
      client.setOption(StandardSocketOptions.TCP_NODELAY, true);
      clientKey = client.register(relay.selector(), 0, this);
    } catch (IOException e) {
      end("cannot watch the client: " + e);
      return;
    }
    connectNext();
  }

  /** Connects to the least loaded real not tried yet; ends the client when none is left. */
  private void connectNext() {
    if (tried.size() >= settings.attempts()) {
      end("no real of app '" + service.app + "' accepted the connection after " + settings.attempts() + " attempts");
      return;
    }
    Collection<Real> reals = service.reals.values();
    if (reals.isEmpty()) {
      end("no node runs app '" + service.app + "' now");
      return;
    }
    long now = System.nanoTime();
    Choice choice = Choice.leastLoaded(reals, tried, now, true);
    if (choice == null) {
      choice = Choice.leastLoaded(reals, tried, now, false); // every real is marked down: try one anyway
    }
    if (choice == null) {
      end("every real of app '" + service.app + "' refused the connection");
      return;
    }
    real = choice.real();
    endpoint = real.endpoints().get(choice.endpoint());
    tried.add(endpoint);
    real.active().incrementAndGet();
    real.picks().incrementAndGet();
    try {
      realChannel = SocketChannel.open();
      realChannel.configureBlocking(false);
      realChannel.setOption(StandardSocketOptions.TCP_NODELAY, true);
      InetSocketAddress address = real.addresses().get(choice.endpoint());
      boolean done = realChannel.connect(address);
      realKey = realChannel.register(relay.selector(), done ? 0 : SelectionKey.OP_CONNECT, this);
      if (done) {
        spliced();
      } else {
        relay.awaitConnect(this, tried.size());
      }
    } catch (IOException | RuntimeException e) { // refused at once, unresolved address, ...
      refused(e.toString());
    }
  }

  /** Whether the connect of the {@code attempt}-th real is still under way. */
  boolean stillConnecting(int attempt) {
    return !ended && !connected && tried.size() == attempt;
  }

  /** The real did not take the connection: skip its endpoint for a while and try the next real. */
  void refused(String reason) {
    log.warn("gateway: real of node '{}' for app '{}' at {} refused a connection ({}); skipped for {}", real.node(),
        service.app, endpoint, reason, settings.downTime());
    real.downUntil().put(endpoint, System.nanoTime() + settings.downTime().toNanos());
    real.active().decrementAndGet();
    real = null;
    if (realChannel != null) {
      Relay.closeQuietly(realChannel);
      realChannel = null;
    }
    connectNext();
  }

  /** One of its sockets is ready: the connect is done, or bytes can move. */
  void ready(SelectionKey key) {
    if (ended) {
      return;
    }
    if (!connected) {
      if (key == realKey && key.isConnectable()) {
        try {
          realChannel.finishConnect();
        } catch (IOException e) {
          refused(e.toString());
          return;
        }
        spliced();
      }
      return;
    }
    pump();
  }

  private void spliced() {
    connected = true;
    try {
      up = new Direction(client, relay.buffer(), realChannel);
      down = new Direction(realChannel, relay.buffer(), client);
    } catch (OutOfMemoryError e) { // direct memory: the bound is max-connections x 2 x buffer-size
      end("no memory for its buffers (" + e.getMessage() + "): lower cocaine.balancer.userspace.max-connections"
          + " or buffer-size, or raise -XX:MaxDirectMemorySize");
      return;
    }
    pump();
  }

  private void pump() {
    try {
      for (int turn = 0; turn < TURNS_PER_ROUND; turn++) {
        boolean moved = up.move();
        moved |= down.move();
        if (!moved) {
          break;
        }
      }
    } catch (IOException e) {
      log.debug("gateway: relayed connection of {} to node '{}' for app '{}' ended: {}", peer, real.node(),
          service.app, e.toString());
      end(null);
      return;
    }
    if (up.shut && down.shut) {
      end(null);
      return;
    }
    clientKey.interestOps((up.wantsRead() ? SelectionKey.OP_READ : 0) | (down.wantsWrite() ? SelectionKey.OP_WRITE : 0));
    realKey.interestOps((down.wantsRead() ? SelectionKey.OP_READ : 0) | (up.wantsWrite() ? SelectionKey.OP_WRITE : 0));
  }

  /** Closes both sides; {@code reason} (when the client got no real) is logged. */
  void end(String reason) {
    if (ended) {
      return;
    }
    ended = true;
    relay.ended();
    if (reason != null) {
      log.info("gateway: closed client {} of app '{}': {}", peer, service.app, reason);
    }
    Relay.closeQuietly(client);
    if (realChannel != null) {
      Relay.closeQuietly(realChannel);
    }
    if (real != null) {
      real.active().decrementAndGet();
    }
    if (up != null) {
      relay.recycle(up.buffer);
    }
    if (down != null) {
      relay.recycle(down.buffer);
    }
  }
}
