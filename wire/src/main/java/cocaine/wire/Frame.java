package cocaine.wire;

import java.util.List;
import org.msgpack.value.Value;

/**
 * One wire message: {@code [channel, type, [args...], [headers...]]} (docs/protocol.md 1.3).
 */
public record Frame(long channel, int type, List<Value> args, List<Header> headers) {
  public Frame {
    args = List.copyOf(args);
    headers = List.copyOf(headers);
  }

  public Message message() {
    return new Message(type, args, headers);
  }

  @Override
  public String toString() {
    return "[" + channel + ", " + type + ", " + args + (headers.isEmpty() ? "" : ", " + headers) + "]";
  }
}
