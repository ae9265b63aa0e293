package cocaine.rpc.channel;

import cocaine.rpc.transport.Codec;
import cocaine.rpc.transport.ConnectionSettings;
import cocaine.rpc.transport.SelectorLoop;
import cocaine.rpc.transport.SocketStage;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.msgpack.value.Value;

/**
 * An outbound connection to a service, multiplexing channels (metalocator links, HTTP proxy pools),
 * on the same transport as the runtime's servers.
 * Ids start at 1 and strictly increase. Each channel is bounded: a slow reply consumer stops the
 * connection's reads. When the connection drops, every open channel fails with
 * {@link ErrorCode#NOT_CONNECTED} "disconnected from host:port".
 */
public final class ClientConnection {
  /** The most one read takes, and the bytes gathered for one write, as the runtime's TCP servers. */
  private static final int IO_BYTES = 64 * 1024;
  /** Longest a connect may block. */
  static final int CONNECT_TIMEOUT_MILLIS = 10_000;

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

  /**
   * Connects; fails with {@link ErrorCode#NOT_CONNECTED} when the peer cannot be reached. The
   * socket is read and written by the connection's own stream ({@link SocketStage}), as the
   * runtime's servers do; only the connect itself, rare, blocks a thread of Pekko's blocking
   * dispatcher, for at most {@link #CONNECT_TIMEOUT_MILLIS}.
   */
  public static CompletionStage<ClientConnection> connect(ActorSystem<?> system, String host, int port,
      ConnectionSettings settings) {
    String address = host + ":" + port;
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    return CompletableFuture.supplyAsync(() -> open(host, port, address), blocking).thenApply(socket -> {
      try {
        ClientChannels.Handle handle = Codec.codec(settings.maxFrameBytes())
            .join(Flow.fromGraph(new SocketStage(socket, SelectorLoop.sharedTcp(), address, IO_BYTES, IO_BYTES)))
            .joinMat(Flow.fromGraph(new ClientChannels(address, settings.maxChannels())), Keep.right())
            .run(system);
        return new ClientConnection(system, address, settings, handle);
      } catch (IOException | RuntimeException e) {
        closeQuietly(socket);
        throw new CocaineException(ErrorCode.NOT_CONNECTED, "cannot connect to " + address + ": " + e, e);
      }
    });
  }

  private static SocketChannel open(String host, int port, String address) {
    SocketChannel socket = null;
    try {
      socket = SocketChannel.open();
      socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
      socket.socket().connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MILLIS);
      return socket;
    } catch (IOException | RuntimeException e) { // unresolved host, port out of range, refused, timed out
      if (socket != null) {
        closeQuietly(socket);
      }
      throw new CocaineException(ErrorCode.NOT_CONNECTED, "cannot connect to " + address + ": "
          + (e.getMessage() != null ? e.getMessage() : e.toString()), e);
    }
  }

  private static void closeQuietly(SocketChannel socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // nothing more to do with a socket that failed
    }
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
    return Source.<Message>empty()
        .via(channel(Message.of(type, args), Graph.PRIMITIVE))
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
