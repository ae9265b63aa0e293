package cocaine.wire;

import java.util.List;
import org.msgpack.value.Value;

/**
 * One message of a channel, without the channel id: its type id in the current graph, its
 * positional arguments and its headers. Factories cover the standard primitive/streaming messages.
 */
public record Message(int type, List<Value> args, List<Header> headers) {
  public Message {
    args = List.copyOf(args);
    headers = List.copyOf(headers);
  }

  public static Message of(int type, Value... args) {
    return new Message(type, List.of(args), List.of());
  }

  public Message withHeaders(List<Header> newHeaders) {
    return new Message(type, args, newHeaders);
  }

  public Frame on(long channel) {
    return new Frame(channel, type, args, headers);
  }

  /** Primitive success: {@code value [args...]}. */
  public static Message value(Value... result) {
    return of(Graph.VALUE, result);
  }

  /** Streaming chunk: {@code write [args...]}. */
  public static Message write(Value... chunk) {
    return of(Graph.WRITE, chunk);
  }

  /** Streaming end: {@code close []}. */
  public static Message close() {
    return of(Graph.CLOSE);
  }

  /** Error in both primitive and streaming graphs: {@code error [[category, code], message]}. */
  public static Message error(ErrorCode code, String text) {
    return of(Graph.ERROR, Values.array(Values.integer(code.category()), Values.integer(code.code())), Values.str(text));
  }

  public static Message error(CocaineException e) {
    return error(e.code(), e.getMessage());
  }

  /** Reads an {@code error} message's arguments back into an exception; lenient on a missing text. */
  public CocaineException toException() {
    if (args.isEmpty() || !args.get(0).isArrayValue() || args.get(0).asArrayValue().size() < 2
        || !isLong(args.get(0).asArrayValue().get(0)) || !isLong(args.get(0).asArrayValue().get(1))) {
      return new CocaineException(ErrorCode.FRAME_FORMAT, "malformed error message: " + args);
    }
    var pair = args.get(0).asArrayValue();
    ErrorCode code = new ErrorCode((int) Values.asLong(pair.get(0)), (int) Values.asLong(pair.get(1)));
    String text = args.size() > 1 && args.get(1).isRawValue() ? Values.asString(args.get(1)) : "";
    return new CocaineException(code, text);
  }

  private static boolean isLong(Value v) {
    return v.isIntegerValue() && v.asIntegerValue().isInLongRange();
  }
}
