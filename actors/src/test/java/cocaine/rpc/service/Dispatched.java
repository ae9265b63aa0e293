package cocaine.rpc.service;

import cocaine.wire.CocaineException;
import cocaine.wire.Message;
import cocaine.wire.Protocol;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;

/**
 * A service's channel opened as the connection layer ({@link ServerChannels}) opens it, for tests that
 * call a service without a socket: the call's arguments are decoded with its method's signature first,
 * and a refusal is the {@code error} the layer would send (nothing at all for a call with no reply).
 */
public final class Dispatched {
  private Dispatched() {}

  public static Source<Message, NotUsed> open(Service service, ChannelContext channel, Message call,
      Source<Message, NotUsed> rest) {
    Protocol.Method method = service.protocol().method(call.type());
    Message decoded;
    try {
      decoded = new Message(call.type(), method.decode(service.name(), call.args()).args(), call.headers());
    } catch (CocaineException e) {
      boolean noReply = method.dispatch().isTerminal() && method.upstream().isTerminal();
      return noReply ? Source.empty() : Source.single(Message.error(e));
    }
    return service.open(channel, decoded, rest);
  }
}
