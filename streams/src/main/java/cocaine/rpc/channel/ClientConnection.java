package cocaine.rpc.channel;

import cocaine.rpc.transport.Codec;
import cocaine.rpc.transport.ConnectionSettings;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import org.msgpack.value.Value;

/**
 * An outbound connection to a service, multiplexing channels (metalocator links, HTTP proxy pools).
 * Ids start at 1 and strictly increase. Each channel is bounded: a slow reply consumer stops the
 * connection's reads. When the connection drops, every open channel fails with
 * {@link ErrorCode#NOT_CONNECTED} "disconnected from host:port".
 */
public final class ClientConnection {
  private final ActorSystem<?> system;
  private final String address;
  private final ConnectionSettings settings;
  private final ClientChannels.Handle handle;

  private ClientConnection(ActorSystem<?> system, String address, ConnectionSettings settings,
      ClientChannels.Handle handle) {
    this.system = system;
    this.address = address;
    this.settings = settings;
    this.handle = handle;
  }

  /** Connects; fails with {@link ErrorCode#NOT_CONNECTED} when the peer cannot be reached. */
  public static CompletionStage<ClientConnection> connect(ActorSystem<?> system, String host, int port,
      ConnectionSettings settings) {
    String address = host + ":" + port;
    Pair<CompletionStage<Tcp.OutgoingConnection>, ClientChannels.Handle> running =
        Codec.codec(settings.maxFrameBytes())
            .join(Tcp.get(system).outgoingConnection(host, port), Keep.right())
            .joinMat(Flow.fromGraph(new ClientChannels(address, settings.maxChannels())), Keep.both())
            .run(system);
    ClientChannels.Handle handle = running.second();
    return running.first().handle((connected, failure) -> {
      if (failure != null) {
        throw new CocaineException(ErrorCode.NOT_CONNECTED, "cannot connect to " + address + ": "
            + (failure.getMessage() != null ? failure.getMessage() : failure.toString()), failure);
      }
      return new ClientConnection(system, address, settings, handle);
    });
  }

  /**
   * A channel opened with {@code first} each time the flow is materialized. Requests in (later
   * messages of the client's side), replies out: every message of the server's side, the terminal
   * one ({@code value}, {@code error}, {@code close}) included, then completion.
   *
   * @param upstream the method's upstream graph, e.g. {@link Graph#PRIMITIVE} or {@link Graph#STREAMING}
   */
  public Flow<Message, Message, NotUsed> channel(Message first, Graph upstream) {
    return Flow.fromGraph(new OutboundChannel(handle, first, upstream, settings.channelBuffer()));
  }

  /**
   * Calls a method with a primitive reply: the {@code value}'s arguments, or a failure with the
   * {@code error}'s {@link CocaineException}.
   */
  public CompletionStage<List<Value>> call(int type, Value... args) {
    return call(Message.of(type, args));
  }

  /** {@link #call(int, Value...)} with the whole first message, e.g. one carrying headers. */
  public CompletionStage<List<Value>> call(Message first) {
    return Source.<Message>empty()
        .via(channel(first, Graph.PRIMITIVE))
        .runWith(Sink.head(), system)
        .thenCompose(reply -> reply.type() == Graph.VALUE
            ? CompletableFuture.completedFuture(reply.args())
            : CompletableFuture.failedFuture(reply.toException()));
  }

  /** "host:port" as given to {@link #connect}. */
  public String address() {
    return address;
  }

  /** Closes the connection; open channels fail as on a disconnect. */
  public void close() {
    handle.close();
  }

  /** Completes when the connection is gone, for whatever reason. */
  public CompletionStage<Done> closed() {
    return handle.closed();
  }
}
