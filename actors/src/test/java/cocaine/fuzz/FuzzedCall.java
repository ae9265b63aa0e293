package cocaine.fuzz;

import cocaine.rpc.service.ChannelContext;
import cocaine.rpc.service.Dispatched;
import cocaine.rpc.service.Service;
import cocaine.wire.Message;
import cocaine.wire.Values;
import cocaine.wire.WireException;
import java.util.List;
import org.apache.pekko.stream.javadsl.Source;
import org.msgpack.value.Value;

/**
 * Turns a fuzzer's bytes into a call of a service's method: the first byte picks the method (0-7),
 * the rest must be a msgpack array, its arguments, decoded as the connection layer decodes them. Other
 * inputs, and methods the service does not have, are skipped: the frame decoder and the channel table
 * refuse them before any service sees them.
 */
public final class FuzzedCall {
  private FuzzedCall() {}

  /** Opens a channel of {@code service} with the call in {@code input}, if it is one. */
  public static void open(Service service, byte[] input) {
    if (input.length < 2) {
      return;
    }
    Value args;
    try {
      args = Values.unpack(input, 1, input.length - 1);
    } catch (WireException e) {
      return;
    }
    if (!args.isArrayValue()) {
      return;
    }
    Message call = new Message(input[0] & 0x07, args.asArrayValue().list(), List.of());
    if (service.protocol().method(call.type()) == null) {
      return;
    }
    Dispatched.open(service, new ChannelContext(1, "fuzz", 1), call, Source.empty());
  }
}
