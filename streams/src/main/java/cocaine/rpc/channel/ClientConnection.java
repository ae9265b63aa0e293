package cocaine.rpc.channel;

import cocaine.rpc.transport.Codec;
import cocaine.rpc.transport.ConnectionSettings;
import cocaine.rpc.transport.InProcess;
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
import java.util.Optional;
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
import org.apache.pekko.util.ByteString;
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
   * Connects; fails with {@link ErrorCode#NOT_CONNECTED} when the peer cannot be reached. A server of
   * this process is joined without a socket when {@link InProcess} has its address; otherwise the
   * socket is read and written by the connection's own stream ({@link SocketStage}), as the
   * runtime's servers do; only the connect itself, rare, blocks a thread of Pekko's blocking
   * dispatcher, for at most {@link #CONNECT_TIMEOUT_MILLIS}.
   */
  public static CompletionStage<ClientConnection> connect(ActorSystem<?> system, String host, int port,
      ConnectionSettings settings) {
    String address = host + ":" + port;
    Optional<InProcess.Port> local = InProcess.find(host, port);
    if (local.isPresent()) {
      return CompletableFuture.supplyAsync(() -> inProcess(system, address, settings, local.get()),
          system.executionContext());
    }
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    return CompletableFuture.supplyAsync(() -> open(host, port, address), blocking).thenApply(socket -> {
      try {
        return over(Flow.fromGraph(new SocketStage(socket, SelectorLoop.shared(), address, IO_BYTES, IO_BYTES)),
            system, system, address, settings);
      } catch (IOException | RuntimeException e) {
        closeQuietly(socket);
        throw new CocaineException(ErrorCode.NOT_CONNECTED, "cannot connect to " + address + ": " + e, e);
      }
    });
  }

  /** A connection to a server of this process ({@link InProcess}): its side joined to ours, no socket. */
  private static ClientConnection inProcess(ActorSystem<?> system, String address, ConnectionSettings settings,
      InProcess.Port port) {
    try { // run in the server's system, as its accepted TCP connections: they end with it
      return over(port.serve().get(), port.system(), system, address, settings);
    } catch (RuntimeException e) { // that system is shutting down
      throw new CocaineException(ErrorCode.NOT_CONNECTED, "cannot connect to " + address + ": " + e, e);
    }
  }

  /** This side's channels and codec over {@code bytes} (a socket's, or an in-process server's), run in {@code runIn}. */
  private static ClientConnection over(Flow<ByteString, ByteString, ?> bytes, ActorSystem<?> runIn,
      ActorSystem<?> system, String address, ConnectionSettings settings) {
    ClientChannels.Handle handle = Codec.codec(settings.maxFrameBytes())
        .join(bytes)
        .joinMat(Flow.fromGraph(new ClientChannels(address, settings.maxChannels())), Keep.right())
        .run(runIn);
    return new ClientConnection(system, address, settings, handle);
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
   * The other side of a channel opened with {@link #open}: called on the connection's own stream,
   * in order, so implementations must not block. The channel is given {@code window} replies at
   * first and one more for each {@link DirectChannel#credit}.
   */
  public interface Replies {
    /** One message of the server's side, the terminal one ({@code value}, {@code error}, {@code close}) too. */
    void reply(Message message);

    /** The server's side ended, once: after its terminal message (null), or the channel failed (its cause). */
    void end(Throwable failure);
  }

  /** A channel opened with {@link #open}: requests in, and the replies' credit. Thread-safe. */
  public final class DirectChannel {
    private final long id;

    private DirectChannel(long id) {
      this.id = id;
    }

    /** Sends the client's next message on the channel. */
    public void send(Message message) {
      handle.send(id, message);
    }

    /** The replies' consumer took one: the channel may get one more. */
    public void credit() {
      handle.credit(id);
    }

    /** Forgets the channel: replies still coming are dropped, its place in the connection freed. */
    public void close() {
      handle.gone(id);
    }
  }

  /**
   * Opens a channel with {@code first} and no stream of its own: the replies go to {@code replies}
   * on the connection's stream, at most {@code window} of them ahead of the {@code credit} given.
   * For a request that costs microseconds, materializing a stream per channel costs more than the
   * request ({@link #channel} is the stream's way).
   *
   * @param then the channel's next messages, sent after {@code first} as {@link DirectChannel#send}
   *     would: in the same hand-over to the connection's stream, not one each
   *
   * @throws CocaineException {@link ErrorCode#NOT_CONNECTED} when the connection is gone,
   *     {@link ErrorCode#TRY_AGAIN} when it has {@code maxChannels} open already
   */
  public DirectChannel open(Message first, List<Message> then, Graph upstream, int window, Replies replies) {
    java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();
    long id = handle.register(first, then, upstream, window, new ClientChannels.Peer() {
      @Override
      public void reply(Message message) {
        replies.reply(message);
      }

      @Override
      public void end(Throwable failure) {
        if (ended.compareAndSet(false, true)) {
          replies.end(failure);
        }
      }

      @Override
      public void lost(CocaineException cause) {
        end(cause); // a connection lost after the channel's end changes nothing for it
      }

      @Override
      public void ack() {
        // the few messages of such a channel need no window of their own
      }
    });
    return new DirectChannel(id);
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
