package cocaine.rpc.channel;

import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Protocol;
import java.util.HashMap;
import java.util.Map;

/**
 * The server side's view of one connection's incoming channels (docs/protocol.md 1.4): ids must strictly
 * increase, a new channel starts with a root method, and each open channel walks its dispatch graph
 * until a terminal message, after which it is forgotten. Protocol breaches become {@link Reject}s
 * that are answered on that channel; the connection stays usable. Not thread-safe: one per
 * connection, used from its stream stage.
 */
public final class ChannelTable {
  /** What to do with one incoming frame. */
  public sealed interface Verdict permits Open, Deliver, Reject {
    long channel();
  }

  /** A new channel: call {@code method}; {@code last} when its dispatch is terminal at once. */
  public record Open(long channel, Protocol.Method method, Message message, boolean last) implements Verdict {}

  /** A later message of an open channel; {@code last} when it ends the client's side. */
  public record Deliver(long channel, Message message, boolean last) implements Verdict {}

  /** A breach: answer {@code error [code, reason]} on that channel and keep the connection. */
  public record Reject(long channel, ErrorCode code, String reason) implements Verdict {
    public Frame errorFrame() {
      return Message.error(code, reason).on(channel);
    }
  }

  private final String serviceName;
  private final Protocol protocol;
  /** The root protocol seen as a dispatch graph, for methods whose dispatch is recursive. */
  private final Graph root;
  private final Map<Long, Graph> open = new HashMap<>();
  private long maxChannel;

  public ChannelTable(String serviceName, Protocol protocol) {
    this.serviceName = serviceName;
    this.protocol = protocol;
    Graph.Builder b = Graph.builder();
    protocol.methods().forEach((id, m) -> b.edge(id, m.name(), m.dispatch()));
    this.root = b.build();
  }

  public Verdict accept(Frame frame) {
    long ch = frame.channel();
    Graph state = open.get(ch);
    if (state == null) {
      return ch > maxChannel ? openChannel(frame) : revoked(ch);
    }
    Graph next = state.after(frame.type());
    if (next == null) {
      open.remove(ch);
      return new Reject(ch, ErrorCode.SLOT_NOT_FOUND,
          "message type " + frame.type() + " is not allowed on channel " + ch + " in its current state");
    }
    boolean last = next.isTerminal();
    if (last) {
      open.remove(ch);
    } else {
      open.put(ch, next);
    }
    return new Deliver(ch, frame.message(), last);
  }

  private Verdict openChannel(Frame frame) {
    long ch = frame.channel();
    // The id is spent even when the method is unknown, so that ids keep increasing.
    maxChannel = ch;
    Protocol.Method method = protocol.method(frame.type());
    if (method == null) {
      return new Reject(ch, ErrorCode.SLOT_NOT_FOUND,
          "unknown method id " + frame.type() + " for service '" + serviceName + "'");
    }
    Graph dispatch = method.dispatch() == Graph.RECURSIVE ? root : method.dispatch();
    boolean last = dispatch.isTerminal();
    if (!last) {
      open.put(ch, dispatch);
    }
    return new Open(ch, method, frame.message(), last);
  }

  private Verdict revoked(long ch) {
    if (ch == 0) {
      return new Reject(ch, ErrorCode.REVOKED_CHANNEL, "channel 0 is not valid (ids start at 1)");
    }
    return new Reject(ch, ErrorCode.REVOKED_CHANNEL,
        "channel " + ch + " is closed or was never opened (ids must increase)");
  }

  /** Forgets an open channel, e.g. one refused after opening; later frames on it are rejected. */
  public void end(long channel) {
    open.remove(channel);
  }

  public boolean isOpen(long channel) {
    return open.containsKey(channel);
  }

  int openCount() {
    return open.size();
  }

  long maxChannel() {
    return maxChannel;
  }
}
