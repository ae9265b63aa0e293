package cocaine.worker;

import cocaine.client.Locator;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A Cocaine worker process speaking worker protocol v1 to its runtime over a unix socket
 * (docs/protocol.md 3): handshake, heartbeats, terminate, and one {@link Handler} call per invocation.
 *
 * <pre>{@code
 * public static void main(String[] args) throws Exception {
 *   Worker worker = Worker.fromArgs(args);
 *   worker.on("ping", (req, resp) -> { byte[] c; while ((c = req.read()) != null) resp.write(c); });
 *   System.exit(worker.run().status());
 * }
 * }</pre>
 */
public final class Worker {
  /** The one logger of the worker's classes: operators filter on its name. */
  static final System.Logger LOG = System.getLogger(Worker.class.getName());

  /**
   * What the runtime told the worker in argv, and the worker's own limits: heartbeat period, how
   * long to wait for a heartbeat reply before exiting ("disowned"), handler threads and the
   * invocations that may wait for one, request chunks buffered per invocation, frame and body size.
   */
  public record Settings(String app, String endpoint, List<Locator.Endpoint> locators, String uuid,
                         Duration heartbeatInterval, Duration disownTimeout, int handlerThreads, int handlerQueue,
                         int requestBuffer, int maxFrameBytes, long maxBodyBytes) {
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_DISOWN = Duration.ofSeconds(5);

    public Settings {
      locators = List.copyOf(locators);
      require(app != null && !app.isEmpty(), "--app is missing");
      require(endpoint != null && !endpoint.isEmpty(), "--endpoint is missing");
      require(uuid != null && !uuid.isEmpty(), "--uuid is missing");
      require(heartbeatInterval.toMillis() > 0, "heartbeat interval must be > 0, got " + heartbeatInterval);
      require(disownTimeout.toMillis() > 0, "disown timeout must be > 0, got " + disownTimeout);
      require(handlerThreads > 0, "handler threads must be > 0, got " + handlerThreads);
      require(handlerQueue > 0, "handler queue must be > 0, got " + handlerQueue);
      require(requestBuffer > 0, "request buffer must be > 0, got " + requestBuffer);
      require(maxFrameBytes >= 1024, "max frame bytes must be >= 1024, got " + maxFrameBytes);
      require(maxBodyBytes > 0, "max body bytes must be > 0, got " + maxBodyBytes);
    }

    /** Settings with defaults for what argv does not carry. */
    public static Settings of(String app, String endpoint, List<Locator.Endpoint> locators, String uuid) {
      return new Settings(app, endpoint, locators, uuid, DEFAULT_HEARTBEAT, DEFAULT_DISOWN, 16, 1024, 64,
          // a 64 MiB body (the proxy's default limit) arrives in one chunk beside its request's head
          65 * 1024 * 1024, 64L * 1024 * 1024);
    }

    /**
     * Parses the runtime's argv: {@code --app A --endpoint SOCK --locator H:P[,H:P] --protocol 1
     * --uuid U}, in any order, {@code --key=value} too; unknown options are ignored.
     */
    public static Settings fromArgs(String[] argv) {
      Map<String, String> opts = new HashMap<>();
      for (int i = 0; i < argv.length; i++) {
        String a = argv[i];
        if (!a.startsWith("--")) {
          continue;
        }
        int eq = a.indexOf('=');
        if (eq > 0) {
          opts.put(a.substring(2, eq), a.substring(eq + 1));
        } else if (i + 1 < argv.length) {
          opts.put(a.substring(2), argv[++i]);
        } else {
          throw new IllegalArgumentException("option " + a + " has no value");
        }
      }
      String protocol = opts.get("protocol");
      if (!"1".equals(protocol)) {
        throw new IllegalArgumentException("unsupported worker protocol " + (protocol == null ? "(none given)" : protocol)
            + ": this worker speaks --protocol 1 (cocaine 0.12); argv was " + String.join(" ", argv));
      }
      List<Locator.Endpoint> locators = new ArrayList<>();
      String locator = opts.get("locator");
      if (locator != null && !locator.isBlank()) {
        for (String part : locator.split(",")) {
          locators.add(Locator.Endpoint.parse(part, Locator.DEFAULT_PORT));
        }
      }
      return of(opts.get("app"), opts.get("endpoint"), locators, opts.get("uuid"));
    }

    public Settings withHeartbeat(Duration interval, Duration disown) {
      return new Settings(app, endpoint, locators, uuid, interval, disown, handlerThreads, handlerQueue,
          requestBuffer, maxFrameBytes, maxBodyBytes);
    }

    public Settings withHandlers(int threads, int queue) {
      return new Settings(app, endpoint, locators, uuid, heartbeatInterval, disownTimeout, threads, queue,
          requestBuffer, maxFrameBytes, maxBodyBytes);
    }

    public Settings withRequestBuffer(int chunks) {
      return new Settings(app, endpoint, locators, uuid, heartbeatInterval, disownTimeout, handlerThreads,
          handlerQueue, chunks, maxFrameBytes, maxBodyBytes);
    }

    public Settings withLimits(int frameBytes, long bodyBytes) {
      return new Settings(app, endpoint, locators, uuid, heartbeatInterval, disownTimeout, handlerThreads,
          handlerQueue, requestBuffer, frameBytes, bodyBytes);
    }

    private static void require(boolean ok, String problem) {
      if (!ok) {
        throw new IllegalArgumentException(problem
            + " (a worker is started by the runtime as: --app A --endpoint SOCKET --locator HOST:PORT --protocol 1 --uuid U)");
      }
    }
  }

  /** Why {@link #run()} returned. */
  public record Exit(Reason reason, long code, String message) {
    public enum Reason {
      /** The runtime sent terminate; the worker echoed it. */
      TERMINATED,
      /** A heartbeat got no reply within the disown timeout. */
      DISOWNED,
      /** The socket closed or broke, or the runtime sent undecodable data. */
      DISCONNECTED
    }

    /** Process exit status: 0 after terminate, 1 otherwise. */
    public int status() {
      return reason == Reason.TERMINATED ? 0 : 1;
    }
  }

  private final Settings settings;
  private final Events events = new Events();
  /** Open invocations: a {@link Request} (its handler on the pool) or an {@link InlineCall}. */
  private final Map<Long, Object> sessions = new ConcurrentHashMap<>();
  private final CompletableFuture<Exit> exit = new CompletableFuture<>();
  private final AtomicBoolean started = new AtomicBoolean();

  private Worker(Settings settings) {
    this.settings = settings;
  }

  /** A worker configured from the runtime's argv; see {@link Settings#fromArgs}. */
  public static Worker fromArgs(String[] argv) {
    return new Worker(Settings.fromArgs(argv));
  }

  public static Worker create(Settings settings) {
    return new Worker(settings);
  }

  /**
   * The whole {@code main} of a worker process: parses argv, lets {@code setup} register handlers,
   * runs, and exits the JVM with {@link Exit#status()}; bad argv exits with 2, an unreachable
   * socket with 1, each after one line on stderr.
   */
  public static void serve(String[] argv, Consumer<Worker> setup) {
    Worker worker;
    try {
      worker = fromArgs(argv);
    } catch (IllegalArgumentException e) {
      System.err.println("cannot start the worker: " + e.getMessage());
      System.exit(2);
      return;
    }
    setup.accept(worker);
    try {
      System.exit(worker.run().status());
    } catch (IOException e) {
      System.err.println("worker " + worker.settings.uuid() + " of app '" + worker.settings.app() + "': " + e.getMessage());
      System.exit(1);
    }
  }

  public Settings settings() {
    return settings;
  }

  /** Serves {@code event} with {@code handler}; replaces an earlier handler of that event. */
  public Worker on(String event, Handler handler) {
    events.on(event, handler);
    return this;
  }

  /**
   * Serves {@code event} with a handler that never waits, on the reader thread (see
   * {@link ChunkHandler}); replaces an earlier handler of that event.
   */
  public Worker onChunks(String event, ChunkHandler handler) {
    events.onChunks(event, handler);
    return this;
  }

  /**
   * Connects to the runtime and serves invocations until it terminates the worker, stops answering
   * heartbeats, or goes away. Fails only if the socket cannot be reached at all.
   */
  public Exit run() throws IOException {
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("a worker runs once");
    }
    SocketChannel socket = SocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      socket.connect(UnixDomainSocketAddress.of(settings.endpoint()));
    } catch (IOException e) {
      socket.close();
      throw new IOException("cannot connect to the runtime at " + settings.endpoint() + ": " + e.getMessage(), e);
    }
    Pipe pipe = new Pipe(socket, settings.endpoint());
    Heartbeat heartbeat = new Heartbeat(settings, pipe, exit);
    HandlerThreads handlerThreads = new HandlerThreads(settings, pipe, sessions);
    Thread reader = daemon("cocaine-worker-reader").newThread(
        new Dispatcher(settings, pipe, events, sessions, heartbeat, handlerThreads, exit));
    try {
      heartbeat.start();
      reader.start();
      LOG.log(Level.INFO, "worker {0} of app ''{1}'' connected to {2}", settings.uuid(), settings.app(), settings.endpoint());
      Exit result = exit.get();
      LOG.log(Level.INFO, "worker {0} exits: {1} {2}", settings.uuid(), result.reason(), result.message());
      return result;
    } catch (CocaineException e) {
      return new Exit(Exit.Reason.DISCONNECTED, 0, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Exit(Exit.Reason.DISCONNECTED, 0, "interrupted");
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } finally {
      heartbeat.stop();
      pipe.close(1000); // after the frames already queued, such as the echo of terminate
      handlerThreads.stop();
      CocaineException gone = new CocaineException(ErrorCode.NOT_CONNECTED, "the worker is exiting");
      sessions.values().forEach(r -> {
        if (r instanceof Request request) {
          request.fail(gone);
        }
      });
      sessions.clear();
    }
  }

  /** Ends {@link #run()} locally, as if the runtime had gone away; sends nothing. */
  public void stop() {
    exit.complete(new Exit(Exit.Reason.DISCONNECTED, 0, "stopped by the application"));
  }

  /** Threads {@code name-1}, {@code name-2}, ...: daemons, so that only {@link #run()} holds up the JVM. */
  static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
