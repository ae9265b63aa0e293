package cocaine.tls;

import cocaine.rpc.transport.AcceptLoop;
import cocaine.rpc.transport.SelectorLoop;
import cocaine.rpc.transport.SocketStage;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.event.Logging;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.apache.pekko.japi.function.Function;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.TLSProtocol.SslTlsInbound;
import org.apache.pekko.stream.TLSProtocol.SslTlsOutbound;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.TLSPlacebo;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One plain-HTTP port of a front end: pekko-http's server layer (parsing, rendering, pipelining and
 * their limits) over the runtime's own transport, accepted on the shared {@link SelectorLoop} with
 * each connection a {@link SocketStage}, instead of Pekko IO, whose actor messages per read, write
 * and ack were the largest share of the proxy's CPU (bench/http/README.md). What Pekko IO's binding
 * did besides is done here: {@code max-connections} (the one over it is closed at once, counted,
 * logged once per episode), the connection's idle timeout, and a graceful stop.
 */
public final class HttpPort {
  private static final Logger log = LoggerFactory.getLogger(HttpPort.class);
  /** The most one read takes; the buffer belongs to the stream's thread, not to the connection. */
  private static final int READ_BYTES = 64 * 1024;
  /** Response bytes gathered for one write; over it the connection stops taking more until written. */
  private static final int WRITE_BYTES = 64 * 1024;
  /** How long the connections cut at the stop's deadline get to close before the stop completes anyway. */
  private static final long CUT_MILLIS = 2_000;

  private final ActorSystem<?> system;
  private final String name;
  private final InetSocketAddress local;
  private final ServerSettings settings;
  private final Function<HttpRequest, CompletionStage<HttpResponse>> handler;
  private final LoggingAdapter pekkoLog;
  private final SelectorLoop loop;
  /** pekko.http.server.linger-timeout: how long a closing connection's last bytes wait for a peer that does not read. */
  private final java.time.Duration linger;
  /** The connections open now, each told when the stop begins. */
  private final Set<HttpConnection> connections = ConcurrentHashMap.newKeySet();
  /** Aborted at the stop's deadline: the connections still open are cut. */
  private final SharedKillSwitch cutting;
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicLong refused = new AtomicLong();
  /** True from a refusal, logged, until a connection closes: one log line per episode. */
  private final AtomicBoolean refusing = new AtomicBoolean();
  private final CompletableFuture<Void> allClosed = new CompletableFuture<>();
  private volatile boolean stopping;
  private volatile AcceptLoop accepting;

  private HttpPort(ActorSystem<?> system, String name, InetSocketAddress local, ServerSettings settings,
      Function<HttpRequest, CompletionStage<HttpResponse>> handler, SelectorLoop loop) {
    this.system = system;
    this.name = name;
    this.local = local;
    this.settings = settings;
    scala.concurrent.duration.Duration lingerSetting = settings.getTimeouts().lingerTimeout();
    this.linger = lingerSetting.isFinite() ? java.time.Duration.ofNanos(lingerSetting.toNanos())
        : java.time.Duration.ofDays(365); // "infinite" as configured: the operator's choice
    this.handler = handler;
    this.loop = loop;
    this.pekkoLog = Logging.getLogger(system.classicSystem(), HttpPort.class);
    this.cutting = KillSwitches.shared("http-cut-" + local.getPort());
  }

  /**
   * Binds {@code host:port} (0 = chosen by the OS) and serves each request with {@code handler}, up
   * to {@code settings}' pipelining limit at once per connection. Fails with a {@link BindException}
   * naming the address when it cannot be bound.
   *
   * @param name the front end in log lines, e.g. {@code HTTP proxy}
   */
  public static CompletionStage<HttpPort> bind(ActorSystem<?> system, String name, String host, int port,
      ServerSettings settings, Function<HttpRequest, CompletionStage<HttpResponse>> handler) {
    ServerSocketChannel server;
    try {
      server = AcceptLoop.listen(name, host, port, settings.getBacklog());
    } catch (BindException e) {
      return CompletableFuture.failedFuture(e);
    }
    try {
      HttpPort p = new HttpPort(system, name, (InetSocketAddress) server.getLocalAddress(), settings, handler,
          SelectorLoop.shared());
      p.accepting = AcceptLoop.start(server, p.loop, name + " on " + p.local, system.executionContext(), p::serve);
      system.getWhenTerminated().thenRun(() -> p.accepting.close());
      return CompletableFuture.completedFuture(p);
    } catch (IOException e) {
      closeQuietly(server);
      return CompletableFuture.failedFuture(AcceptLoop.cannotListen(name, host, port, e));
    }
  }

  /** The bound address (the actual port when 0 was asked). */
  public InetSocketAddress localAddress() {
    return local;
  }

  /** Connections open now. */
  public int openConnections() {
    return open.get();
  }

  /** Connections closed at once because {@code max-connections} were open, since the start. */
  public long refusedConnections() {
    return refused.get();
  }

  /**
   * Stops accepting, lets every connection answer the requests it has read and close, and cuts
   * those still open after {@code grace}. Completes once every connection is closed.
   */
  public CompletionStage<Done> terminate(Duration grace) {
    stopping = true;
    return accepting.close().thenCompose(unbound -> {
      connections.forEach(HttpConnection::stop);
      if (open.get() == 0) {
        allClosed.complete(null);
      }
      CompletableFuture.delayedExecutor(grace.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
        if (!allClosed.isDone()) {
          log.info("{} on {}: cutting {} connections still open at the stop's deadline ({} ms)", name, local,
              open.get(), grace.toMillis());
          cutting.abort(new IOException(name + " stopped"));
        }
      });
      // a connection the cut could not end (none is known) must not hold the process's stop for ever
      return allClosed.copy().completeOnTimeout(null, grace.toMillis() + CUT_MILLIS, TimeUnit.MILLISECONDS);
    }).thenApply(v -> Done.getInstance());
  }

  private void serve(SocketChannel socket) {
    int now = open.incrementAndGet();
    if (now > settings.getMaxConnections() || stopping) {
      refuse(socket, now);
      return;
    }
    String peer = "?";
    try {
      socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
      InetSocketAddress remote = (InetSocketAddress) socket.getRemoteAddress();
      peer = remote.getAddress().getHostAddress() + ":" + remote.getPort();
      HttpConnection c = new HttpConnection("http-" + peer, handler, () -> stopping);
      connections.add(c);
      connection(Optional.of(remote), c)
          .watchTermination((mat, done) -> {
            done.whenComplete((d, e) -> {
              connections.remove(c);
              connectionEnded(true);
            });
            return mat;
          })
          .join(Flow.fromGraph(new SocketStage(socket, loop, peer, READ_BYTES, WRITE_BYTES, true, linger)))
          .run(system);
    } catch (IOException | RuntimeException e) { // the peer left as it was accepted, or the system stops
      log.debug("{} on {} cannot serve a connection from {}: {}", name, local, peer, e.toString());
      closeQuietly(socket);
      connectionEnded(true);
    }
  }

  /** HTTP over one connection's bytes: pekko-http's layer, split bodies made whole, the handler, the idle timeout, the stop's switches. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private Flow<ByteString, ByteString, NotUsed> connection(Optional<InetSocketAddress> remote, HttpConnection c) {
    BidiFlow<SslTlsOutbound, ByteString, ByteString, SslTlsInbound, NotUsed> plain = (BidiFlow) TLSPlacebo.getInstance();
    BidiFlow<HttpResponse, ByteString, ByteString, HttpRequest, NotUsed> http =
        Http.get(system).serverLayer(settings, remote, pekkoLog).atop(plain);
    scala.concurrent.duration.Duration idle = settings.getTimeouts().idleTimeout();
    if (idle.isFinite()) {
      http = http.atop(BidiFlow.bidirectionalIdleTimeout(Duration.ofNanos(idle.toNanos())));
    }
    http = http.atop(BidiFlow.fromFlows(Flow.<ByteString>create().via(cutting.flow()),
        c.reading()));
    return Flow.<HttpRequest>create()
        .flatMapConcat(request -> SplitBodies.whole(request, READ_BYTES))
        .mapAsync(settings.getPipeliningLimit(), c::handle)
        .join(http);
  }

  private void refuse(SocketChannel socket, int now) {
    if (!stopping) {
      refused.incrementAndGet(); // before the close: whoever sees the close sees the count
      if (refusing.compareAndSet(false, true)) {
        log.warn("{} on {} refused a connection: {} are open (limit pekko.http.server.max-connections = {}); "
            + "later refusals are counted, not logged, until one closes", name, local, now - 1,
            settings.getMaxConnections());
      }
    }
    closeQuietly(socket);
    connectionEnded(false);
  }

  /** @param served false for a connection refused as it was accepted */
  private void connectionEnded(boolean served) {
    int left = open.decrementAndGet();
    if (served) {
      refusing.set(false);
    }
    if (stopping && left == 0 && accepting.closed().toCompletableFuture().isDone()) {
      allClosed.complete(null);
    }
  }

  private static void closeQuietly(java.nio.channels.Channel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
