package cocaine.client;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.FrameDecoder;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.WireException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.msgpack.value.Value;

/**
 * One TCP connection to a Cocaine service, multiplexed into channels (docs/protocol.md 1.4). Channel ids
 * start at 1 and strictly increase; one reader thread routes replies to their channel. On a
 * disconnect every open channel fails with {@code [7, 3] not_connected}.
 *
 * <p>Dependent stages added to the futures returned here with non-async methods run on the reader
 * thread: do not block in them.
 */
public final class Connection implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Connection.class.getName());

  /** Limits of a connection: connect timeout, replies buffered per streaming channel, largest frame. */
  public record Settings(Duration connectTimeout, int replyBuffer, int maxFrameBytes) {
    public static final Settings DEFAULT = new Settings(Duration.ofSeconds(5), 64, 64 * 1024 * 1024);

    public Settings {
      if (connectTimeout.isNegative() || connectTimeout.isZero()) {
        throw new IllegalArgumentException("connectTimeout: " + connectTimeout + " (expected: > 0)");
      }
      if (replyBuffer < 1) {
        throw new IllegalArgumentException("replyBuffer: " + replyBuffer + " (expected: >= 1)");
      }
    }

    public Settings withConnectTimeout(Duration d) {
      return new Settings(d, replyBuffer, maxFrameBytes);
    }

    public Settings withReplyBuffer(int n) {
      return new Settings(connectTimeout, n, maxFrameBytes);
    }

    public Settings withMaxFrameBytes(int n) {
      return new Settings(connectTimeout, replyBuffer, n);
    }
  }

  /** A channel's routing entry: what the service may still send on it, and who takes it. */
  private static final class Route {
    volatile Graph upstream;
    final ReplySink sink;

    Route(Graph upstream, ReplySink sink) {
      this.upstream = upstream;
      this.sink = sink;
    }
  }

  private final Socket socket;
  private final OutputStream out;
  private final String peer;
  private final Settings settings;
  private final Object writeLock = new Object();
  private final Map<Long, Route> routes = new ConcurrentHashMap<>();
  private final CompletableFuture<CocaineException> closed = new CompletableFuture<>();
  private long lastChannel; // guarded by writeLock
  private volatile CocaineException closedCause;

  private Connection(Socket socket, String peer, Settings settings) throws IOException {
    this.socket = socket;
    this.out = socket.getOutputStream();
    this.peer = peer;
    this.settings = settings;
    InputStream in = socket.getInputStream();
    Thread reader = new Thread(() -> readLoop(in), "cocaine-client-" + peer);
    reader.setDaemon(true);
    reader.start();
  }

  public static Connection open(String host, int port) throws IOException {
    return open(new InetSocketAddress(host, port), Settings.DEFAULT);
  }

  public static Connection open(InetSocketAddress address, Settings settings) throws IOException {
    Socket socket = new Socket();
    String peer = address.getHostString() + ":" + address.getPort();
    try {
      socket.setTcpNoDelay(true);
      socket.connect(address, (int) Math.min(Integer.MAX_VALUE, settings.connectTimeout().toMillis()));
    } catch (IOException e) {
      socket.close();
      throw new IOException("cannot connect to " + peer + ": " + e.getMessage(), e);
    }
    return new Connection(socket, peer, settings);
  }

  /** {@code host:port} of the service. */
  public String peer() {
    return peer;
  }

  /** The address this connection reached. */
  public InetSocketAddress remoteAddress() {
    return (InetSocketAddress) socket.getRemoteSocketAddress();
  }

  public Settings settings() {
    return settings;
  }

  public boolean isOpen() {
    return closedCause == null;
  }

  /** Completes with the reason once the connection is gone (closed by either side or broken). */
  public CompletableFuture<CocaineException> closed() {
    return closed;
  }

  /**
   * Opens a channel with a streaming reply. {@code dispatch} is what this side may send after
   * {@code first} (null: not checked), {@code upstream} what the service may send back.
   */
  public ClientChannel open(Message first, Graph dispatch, Graph upstream) {
    ReplyBuffer buffer = new ReplyBuffer(settings.replyBuffer());
    long id = openChannel(first, upstream, buffer);
    return new ClientChannel(this, id, dispatch, upstream.isTerminal() ? null : buffer);
  }

  /**
   * Sends a request whose reply is one {@code value} (its args) or one {@code error} (the future
   * fails with that CocaineException). With a terminal upstream (no reply at all, like logging's
   * {@code emit}) the future completes with an empty list once the request is sent.
   */
  public CompletableFuture<List<Value>> call(Message request, Graph upstream) {
    CompletableFuture<List<Value>> result = new CompletableFuture<>();
    if (upstream.isTerminal()) {
      openChannel(request, upstream, null);
      result.complete(List.of());
      return result;
    }
    if (upstream.edge(Graph.VALUE) == null || !"value".equals(upstream.edge(Graph.VALUE).name())) {
      throw new IllegalArgumentException("the reply protocol " + upstream + " is not request/response; open a stream");
    }
    openChannel(request, upstream, new ReplySink() {
      @Override
      public void deliver(Message m) {
        if (m.type() == Graph.ERROR) {
          result.completeExceptionally(m.toException());
        } else {
          result.complete(m.args());
        }
      }

      @Override
      public void fail(CocaineException cause) {
        result.completeExceptionally(cause);
      }
    });
    return result;
  }

  /** Allocates the next channel id and sends the first message, atomically, so ids rise on the wire. */
  private long openChannel(Message first, Graph upstream, ReplySink sink) {
    synchronized (writeLock) {
      CocaineException closed = closedCause;
      if (closed != null) {
        throw notConnected(closed);
      }
      long id = ++lastChannel;
      if (sink != null && !upstream.isTerminal()) {
        routes.put(id, new Route(upstream, sink));
      }
      try {
        writeFrame(first.on(id));
      } catch (CocaineException e) {
        routes.remove(id);
        throw e;
      }
      // A disconnect may have swept the routes between put and here. The request went out either
      // way, so its channel fails through its sink as the sweep fails the others, whichever of the
      // two gets to it: the caller sees the same failure however the race falls.
      CocaineException cause = closedCause;
      Route missed = cause != null ? routes.remove(id) : null;
      if (missed != null) {
        missed.sink.fail(cause);
      }
      return id;
    }
  }

  void send(long channel, Message message) {
    synchronized (writeLock) {
      CocaineException cause = closedCause;
      if (cause != null) {
        throw notConnected(cause);
      }
      writeFrame(message.on(channel));
    }
  }

  /** Stops routing a channel's replies; later ones are dropped. */
  void forget(long channel) {
    routes.remove(channel);
  }

  private void writeFrame(Frame frame) {
    byte[] bytes = FrameEncoder.encode(frame);
    try {
      out.write(bytes);
      out.flush();
    } catch (IOException e) {
      CocaineException cause = new CocaineException(ErrorCode.NOT_CONNECTED,
          "cannot send to " + peer + ": " + e.getMessage(), e);
      shutdown(cause);
      throw cause;
    }
  }

  private static CocaineException notConnected(CocaineException cause) {
    return new CocaineException(ErrorCode.NOT_CONNECTED, cause.getMessage(), cause);
  }

  private void readLoop(InputStream in) {
    FrameDecoder decoder = new FrameDecoder(settings.maxFrameBytes());
    byte[] buf = new byte[64 * 1024];
    try {
      while (true) {
        int n = in.read(buf);
        if (n < 0) {
          shutdown(new CocaineException(ErrorCode.NOT_CONNECTED, "service at " + peer + " closed the connection"));
          return;
        }
        decoder.feed(buf, 0, n);
        Frame frame;
        while ((frame = decoder.next()) != null) {
          route(frame);
        }
      }
    } catch (WireException e) {
      LOG.log(Level.WARNING, "closing connection to {0}: {1}", peer, e.getMessage());
      shutdown(new CocaineException(ErrorCode.NOT_CONNECTED,
          "connection to " + peer + " closed: it sent undecodable data (" + e.getMessage() + ")", e));
    } catch (IOException e) {
      shutdown(new CocaineException(ErrorCode.NOT_CONNECTED, "connection to " + peer + " lost: " + e.getMessage(), e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      shutdown(new CocaineException(ErrorCode.NOT_CONNECTED, "reader of " + peer + " was interrupted"));
    }
  }

  private void route(Frame frame) throws InterruptedException {
    Route route = routes.get(frame.channel());
    if (route == null) {
      LOG.log(Level.DEBUG, "dropping {0} from {1}: no open channel {2}", frame, peer, frame.channel());
      return;
    }
    Graph next = route.upstream.after(frame.type());
    if (next == null) {
      routes.remove(frame.channel());
      LOG.log(Level.WARNING, "{0} sent message type {1} on channel {2}, not allowed by its protocol {3}",
          peer, frame.type(), frame.channel(), route.upstream);
      route.sink.fail(new CocaineException(ErrorCode.FRAME_FORMAT, "service at " + peer + " sent message type "
          + frame.type() + " on channel " + frame.channel() + ", which its protocol " + route.upstream + " does not allow"));
      return;
    }
    route.upstream = next;
    if (next.isTerminal()) {
      routes.remove(frame.channel());
    }
    route.sink.deliver(frame.message());
  }

  private void shutdown(CocaineException cause) {
    synchronized (this) {
      if (closedCause != null) {
        return;
      }
      closedCause = cause;
    }
    try {
      socket.close();
    } catch (IOException ignored) {
      // already broken; the cause above is what callers need
    }
    for (Long id : routes.keySet()) {
      Route r = routes.remove(id);
      if (r != null) {
        r.sink.fail(cause);
      }
    }
    closed.complete(cause);
  }

  /** Closes the socket; open channels fail with {@code [7, 3]}. */
  @Override
  public void close() {
    shutdown(new CocaineException(ErrorCode.NOT_CONNECTED, "connection to " + peer + " was closed by this client"));
  }

  /**
   * Waits for a reply future: its value, or its CocaineException rethrown as is; a timeout becomes
   * {@code [20991, 3]} naming {@code what}; an interrupt a CancellationException (flag kept).
   */
  public static <T> T await(CompletableFuture<T> future, Duration timeout, String what) {
    try {
      return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof CocaineException ce) {
        throw new CocaineException(ce.code(), ce.getMessage(), ce);
      }
      throw new CocaineException(ErrorCode.UNCAUGHT, what + " failed: " + cause, cause);
    } catch (TimeoutException e) {
      throw new CocaineException(ErrorCode.TIMEOUT, what + " got no reply within " + timeout.toMillis() + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CancellationException("interrupted while waiting for " + what);
    }
  }
}
