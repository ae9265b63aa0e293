package cocaine.cluster;

import cocaine.locator.Endpoint;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Tells the cluster where this node's locator listens: one multicast {@link Announce} to the group
 * right away and then every interval (docs/protocol.md 5.2), signed with the cluster key when there is
 * one ({@link AnnounceKey}: a fresh timestamp and the next sequence number each time). A send that
 * fails is logged once and retried at the next interval; balancers drop a node after three missed
 * intervals.
 */
public final class Announcer {
  public sealed interface Command {}

  private enum Tick implements Command { INSTANCE }

  private final ActorContext<Command> ctx;
  private final MulticastSettings settings;
  private final byte[] payload;
  private final Optional<AnnounceKey> key;
  private final InetSocketAddress target;
  private final String what;

  private Announcer(ActorContext<Command> ctx, MulticastSettings settings, Announce announce, Optional<AnnounceKey> key) {
    this.ctx = ctx;
    this.settings = settings;
    this.payload = announce.encode();
    this.key = key;
    this.target = new InetSocketAddress(settings.group(), settings.port());
    this.what = "node '" + announce.uuid() + "' at " + announce.endpoints();
  }

  /**
   * @param uuid this node's id
   * @param endpoints where this node's locator can be reached by other hosts
   * @param key       the cluster key the announces are signed with; empty = unsigned, as the original sends them
   */
  public static Behavior<Command> create(String uuid, List<Endpoint> endpoints, MulticastSettings settings,
      Optional<AnnounceKey> key) {
    Announce announce = new Announce(uuid, endpoints);
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      ctx.setLoggerName(Announcer.class);
      Announcer a = new Announcer(ctx, settings, announce, key);
      ctx.getLog().info("announcer: announcing {} to {} every {} (ttl {}, loopback {}, interface {}, {})", a.what,
          settings.target(), settings.interval(), settings.hops(), settings.loopback(),
          settings.networkInterface().map(n -> n.getName()).orElse("by route"),
          key.isPresent() ? "signed with cocaine.locator.cluster.announce-key" : "unsigned");
      timers.startTimerWithFixedDelay(Tick.INSTANCE, settings.interval());
      return a.announce(Optional.empty(), false, 0);
    }));
  }

  /** Sends one announce now (signed with {@code sequence} when there is a key), then waits for the next tick. */
  private Behavior<Command> announce(Optional<DatagramChannel> open, boolean failing, long sequence) {
    Optional<DatagramChannel> channel = open;
    boolean failed;
    byte[] datagram = key.map(k -> k.sign(payload, System.currentTimeMillis(), sequence)).orElse(payload);
    try {
      if (channel.isEmpty()) {
        channel = Optional.of(settings.openSender());
      }
      int sent = channel.get().send(ByteBuffer.wrap(datagram), target);
      if (sent == 0) {
        throw new IOException("socket buffer full");
      }
      failed = false;
      if (failing) {
        ctx.getLog().info("announcer: announces to {} go out again", settings.target());
      }
    } catch (IOException | RuntimeException e) {
      failed = true;
      if (!failing) {
        ctx.getLog().warn("announcer: cannot announce {} to {}: {}; retrying every {}", what, settings.target(),
            e.toString(), settings.interval());
      }
      channel.ifPresent(Announcer::close);
      channel = Optional.empty();
    }
    return waiting(channel, failed, sequence + 1);
  }

  private Behavior<Command> waiting(Optional<DatagramChannel> channel, boolean failing, long sequence) {
    return Behaviors.receive(Command.class)
        .onMessageEquals(Tick.INSTANCE, () -> announce(channel, failing, sequence))
        .onSignal(PostStop.class, s -> {
          channel.ifPresent(Announcer::close);
          return Behaviors.same();
        })
        .build();
  }

  private static void close(DatagramChannel ch) {
    try {
      ch.close();
    } catch (IOException e) {
      // closing a datagram socket has nothing left to flush
    }
  }
}
