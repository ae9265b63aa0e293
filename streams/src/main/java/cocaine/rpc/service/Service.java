package cocaine.rpc.service;

import cocaine.wire.Message;
import cocaine.wire.Protocol;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;

/**
 * A service reachable over the wire: its root protocol and how it serves one channel. The
 * connection layer validates every incoming message against the protocol graphs and decodes each
 * call's arguments with its method's {@link cocaine.wire.Signature} before the service sees it, and
 * answers protocol breaches and refused arguments itself.
 */
public interface Service {
  /** The name under which the locator publishes it. */
  String name();

  /** The protocol version that {@code resolve} returns. */
  int version();

  Protocol protocol();

  /**
   * Serves one channel.
   *
   * @param channel who opened it and on which id
   * @param first the root message that opened the channel; its type is a method of {@link #protocol()}
   *     and its arguments fit that method's signature (extras removed, absent optionals left out)
   * @param rest the client's later messages on this channel, already checked against the dispatch
   *     graph; it completes when the client's side reaches a terminal state, and is empty when the
   *     method's dispatch is terminal. Not pulling it backpressures the connection (bounded by
   *     {@code channel-buffer} messages per channel).
   * @return the upstream messages, in the method's upstream graph. A failure with a
   *     {@link cocaine.wire.CocaineException} is sent as an {@code error} message; any other failure
   *     as an uncaught-error reply.
   */
  Source<Message, NotUsed> open(ChannelContext channel, Message first, Source<Message, NotUsed> rest);
}
