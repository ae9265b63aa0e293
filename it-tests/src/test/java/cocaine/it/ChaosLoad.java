package cocaine.it;

import cocaine.client.Connection;
import cocaine.client.Locator;
import cocaine.wire.Frame;
import cocaine.wire.FrameDecoder;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Graph;
import cocaine.wire.Header;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.msgpack.value.Value;

/**
 * The chaos tests' load, in its own JVM so that it outlives every process the tests kill: steady
 * open-loop requests on lanes (an app's {@code enqueue} over hand-framed wire, storage {@code read}
 * of known keys, HTTP through the proxy), each request with its own id and deadline. Every outcome
 * is one line of {@code DIR/outcomes.log}: {@code lane id sentMs doneMs ok|error|hung|dup|late detail}.
 * When its stdin ends it waits out the deadlines of requests in flight and writes
 * {@code DIR/summary.json} (per lane: sent, answered, errored, hung, duplicated, late).
 *
 * <p>{@code ChaosLoad DIR LOCATOR_PORT HTTP_URL RATE_PER_LANE TIMEOUT_MS [lane...]}, lanes
 * {@code app}, {@code storage}, {@code http}.
 */
public final class ChaosLoad {
  /** Storage keys the {@code storage} lane reads; the test writes {@code value-of-KEY} under each. */
  static final String COLLECTION = "chaos";
  static final int KEYS = 10;

  private final Path dir;
  private final int locatorPort;
  private final Duration timeout;
  /** What the app lane asks the runtime for ({@code request_timeout}): half of {@link #timeout}. */
  private final Duration serverTimeout;
  private final PrintWriter outcomes;

  private ChaosLoad(Path dir, int locatorPort, Duration timeout) throws IOException {
    this.dir = dir;
    this.locatorPort = locatorPort;
    this.timeout = timeout;
    this.serverTimeout = timeout.dividedBy(2);
    this.outcomes = new PrintWriter(Files.newBufferedWriter(dir.resolve("outcomes.log")), false);
  }

  static String key(long id) {
    return "key-" + (id % KEYS);
  }

  static String value(String key) {
    return "value-of-" + key;
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int locatorPort = Integer.parseInt(args[1]);
    String url = args[2];
    int rate = Integer.parseInt(args[3]);
    Duration timeout = Duration.ofMillis(Long.parseLong(args[4]));
    List<String> names = args.length > 5 ? List.of(args).subList(5, args.length) : List.of("app", "storage", "http");
    ChaosLoad load = new ChaosLoad(dir, locatorPort, timeout);
    List<Lane> lanes = new ArrayList<>();
    for (String name : names) {
      lanes.add(switch (name) {
        case "app" -> load.new WireLane("app", "echo");
        case "storage" -> load.new WireLane("storage", "storage");
        case "http" -> load.new HttpLane(URI.create(url));
        default -> throw new IllegalArgumentException("unknown lane " + name);
      });
    }
    ScheduledExecutorService clock = Executors.newScheduledThreadPool(lanes.size() + 1);
    long period = TimeUnit.SECONDS.toNanos(1) / rate;
    for (Lane lane : lanes) {
      clock.scheduleAtFixedRate(lane::sendOne, 0, period, TimeUnit.NANOSECONDS);
    }
    clock.scheduleAtFixedRate(() -> lanes.forEach(Lane::expire), 50, 50, TimeUnit.MILLISECONDS);
    // The test stops the load by closing our stdin.
    while (System.in.read() != -1) {
      // nothing to read: only the end matters
    }
    for (Lane lane : lanes) {
      lane.stopSending();
    }
    // Every request in flight ends by its deadline at the latest (the expiry marks it hung).
    CompletableFuture<Void> drained = new CompletableFuture<>();
    clock.scheduleAtFixedRate(() -> {
      if (lanes.stream().allMatch(l -> l.pending.isEmpty())) {
        drained.complete(null);
      }
    }, 0, 20, TimeUnit.MILLISECONDS);
    try {
      drained.get(timeout.toMillis() + 2000, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      System.err.println("requests still pending after their deadline: counted as hung");
    }
    clock.shutdownNow();
    clock.awaitTermination(5, TimeUnit.SECONDS);
    lanes.forEach(Lane::expireAll);
    StringBuilder json = new StringBuilder("{");
    for (Lane lane : lanes) {
      if (json.length() > 1) {
        json.append(", ");
      }
      json.append('"').append(lane.name).append("\": ").append(lane.summary());
    }
    json.append("}\n");
    Files.writeString(dir.resolve("summary.json.tmp"), json);
    Files.move(dir.resolve("summary.json.tmp"), dir.resolve("summary.json"));
    System.exit(0);
  }

  private synchronized void record(String lane, long id, long sentMs, String outcome, String detail) {
    // whole lines only, so that the test may read the file at any time
    outcomes.print(lane + " " + id + " " + sentMs + " " + System.currentTimeMillis() + " " + outcome + " "
        + detail.replace('\n', ' ') + "\n");
    outcomes.flush();
  }

  /** A request in flight: when it was sent and what a correct answer carries. */
  private record Pending(long sentMs, long deadlineNanos, String expected) {}

  /** One kind of request at a steady rate, with its counters. */
  private abstract class Lane {
    final String name;
    final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    /** Ids whose outcome is known, to tell a second answer from a first. */
    final Map<Long, String> done = new ConcurrentHashMap<>();
    final AtomicLong sent = new AtomicLong();
    final AtomicLong answered = new AtomicLong();
    final AtomicLong errored = new AtomicLong();
    final AtomicLong hung = new AtomicLong();
    final AtomicLong duplicated = new AtomicLong();
    final AtomicLong late = new AtomicLong();
    private volatile boolean sending = true;

    Lane(String name) {
      this.name = name;
    }

    void stopSending() {
      sending = false;
    }

    void sendOne() {
      if (!sending) {
        return;
      }
      try {
        send(sent.incrementAndGet());
      } catch (RuntimeException e) {
        // a scheduled task that throws is never run again: keep the load going whatever happens
        System.err.println(name + ": " + e);
      }
    }

    abstract void send(long id);

    Pending start(long id, String expected) {
      Pending p = new Pending(System.currentTimeMillis(), System.nanoTime() + timeout.toNanos(), expected);
      pending.put(id, p);
      return p;
    }

    /** The first answer or error of {@code id} counts; any later one is a duplicate. */
    void finish(long id, boolean ok, String detail) {
      Pending p = pending.remove(id);
      if (p == null) {
        String before = done.get(id);
        if ("hung".equals(before)) {
          late.incrementAndGet();
          record(name, id, -1, "late", detail);
        } else {
          duplicated.incrementAndGet();
          record(name, id, -1, "dup", "after " + before + ": " + detail);
        }
        return;
      }
      done.put(id, ok ? "ok" : "error");
      (ok ? answered : errored).incrementAndGet();
      record(name, id, p.sentMs(), ok ? "ok" : "error", detail);
    }

    void expire() {
      long now = System.nanoTime();
      pending.forEach((id, p) -> {
        if (now - p.deadlineNanos() > 0 && pending.remove(id, p)) {
          done.put(id, "hung");
          hung.incrementAndGet();
          record(name, id, p.sentMs(), "hung", "no reply within " + timeout.toMillis() + " ms");
        }
      });
    }

    void expireAll() {
      pending.forEach((id, p) -> {
        if (pending.remove(id, p)) {
          done.put(id, "hung");
          hung.incrementAndGet();
          record(name, id, p.sentMs(), "hung", "still pending when the load stopped");
        }
      });
    }

    String summary() {
      return "{\"sent\": " + sent + ", \"answered\": " + answered + ", \"errored\": " + errored + ", \"hung\": " + hung
          + ", \"duplicated\": " + duplicated + ", \"late\": " + late + "}";
    }
  }

  /**
   * Requests over one hand-framed wire connection to a service found at the locator: {@code enqueue
   * ("ping")} + write(id) + close on the echo app, or {@code read(chaos, key)} on storage. Every
   * frame on a channel after its last is a duplicate. A lost connection fails what is in flight on
   * it (the client sees the disconnect: an explicit error), and the next send connects again.
   */
  private final class WireLane extends Lane {
    private final String service;
    private Link link; // guarded by this

    WireLane(String name, String service) {
      super(name);
      this.service = service;
    }

    /** One connection: its socket, next channel id and which request each channel carries. */
    private final class Link {
      final Socket socket;
      final OutputStream out;
      final int methodId;
      final Map<Long, Long> requestOf = new ConcurrentHashMap<>();
      final Map<Long, Boolean> ended = new ConcurrentHashMap<>();
      long nextChannel = 1;
      volatile boolean broken;

      Link(Socket socket, int methodId) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.methodId = methodId;
      }
    }

    @Override
    synchronized void send(long id) {
      if (link == null || link.broken) {
        try {
          link = connect();
        } catch (IOException | RuntimeException e) {
          start(id, "");
          finish(id, false, "connect: " + e.getMessage());
          return;
        }
      }
      Link l = link;
      long ch = l.nextChannel++;
      l.requestOf.put(ch, id);
      try {
        if (service.equals("storage")) {
          String key = key(id);
          start(id, value(key));
          l.out.write(FrameEncoder.encode(new Message(l.methodId, List.of(Values.str(COLLECTION), Values.str(key)),
              List.of()).on(ch)));
        } else {
          String payload = "request-" + id;
          start(id, payload);
          // the runtime's own deadline, below ours: a request queued too long is answered with an error
          l.out.write(FrameEncoder.encode(new Message(l.methodId, List.of(Values.str("ping")),
              List.of(Header.ofLong(Header.REQUEST_TIMEOUT, serverTimeout.toMillis()))).on(ch)));
          l.out.write(FrameEncoder.encode(Message.write(Values.str(payload)).on(ch)));
          l.out.write(FrameEncoder.encode(Message.close().on(ch)));
        }
        l.out.flush();
      } catch (IOException e) {
        broken(l, "send: " + e.getMessage());
      }
    }

    private Link connect() throws IOException {
      Locator.Resolved resolved;
      try (Locator locator = Locator.connect(new InetSocketAddress("127.0.0.1", locatorPort),
          Connection.Settings.DEFAULT.withConnectTimeout(Duration.ofSeconds(1)), Duration.ofSeconds(2))) {
        resolved = locator.resolve(service);
      }
      Locator.Endpoint e = resolved.endpoints().get(0);
      Socket socket = new Socket();
      socket.setTcpNoDelay(true);
      socket.connect(new InetSocketAddress(e.host(), e.port()), 1000);
      Link l = new Link(socket, resolved.methodId(service.equals("storage") ? "read" : "enqueue"));
      Thread reader = new Thread(() -> read(l), name + "-reader");
      reader.setDaemon(true);
      reader.start();
      return l;
    }

    private void read(Link l) {
      FrameDecoder decoder = new FrameDecoder(1 << 20);
      byte[] buf = new byte[64 * 1024];
      try {
        InputStream in = l.socket.getInputStream();
        int n;
        while ((n = in.read(buf)) > 0) {
          decoder.feed(buf, 0, n);
          Frame f;
          while ((f = decoder.next()) != null) {
            onFrame(l, f);
          }
        }
        broken(l, "connection closed by the service");
      } catch (IOException | RuntimeException e) {
        broken(l, "connection lost: " + e.getMessage());
      }
    }

    private void onFrame(Link l, Frame f) {
      Long id = l.requestOf.get(f.channel());
      if (id == null) {
        System.err.println(name + ": frame on unknown channel " + f);
        return;
      }
      if (l.ended.containsKey(f.channel())) {
        finish(id, false, "frame type " + f.type() + " after the channel's end");
        return;
      }
      Pending p = pending.get(id);
      if (p == null) {
        finish(id, false, "type " + f.type() + " " + f.args()); // after the deadline: counted as late
        if (f.type() == Graph.ERROR || !service.equals("app") || f.type() == 2) {
          l.ended.put(f.channel(), true);
        }
        return;
      }
      String expected = p.expected();
      boolean value = f.type() == 0;
      boolean terminal = f.type() == Graph.ERROR || !service.equals("app") || f.type() == 2;
      if (f.type() == Graph.ERROR) {
        l.ended.put(f.channel(), true);
        finish(id, false, errorText(f.args()));
      } else if (service.equals("storage")) {
        l.ended.put(f.channel(), true);
        String got = f.args().isEmpty() ? "" : new String(Values.asBytes(f.args().get(0)), StandardCharsets.UTF_8);
        finish(id, value && got.equals(expected), value ? (got.equals(expected) ? "" : "WRONG " + got) : "type " + f.type());
      } else if (value) {
        // the echoed chunk; the close that follows ends the request
        String got = new String(Values.asBytes(f.args().get(0)), StandardCharsets.UTF_8);
        if (!got.equals(expected)) {
          l.ended.put(f.channel(), true);
          finish(id, false, "WRONG chunk " + got);
        } else {
          pending.put(id, new Pending(p.sentMs(), p.deadlineNanos(), "\0chunk-seen"));
        }
      } else if (terminal) {
        l.ended.put(f.channel(), true);
        finish(id, "\0chunk-seen".equals(expected), "\0chunk-seen".equals(expected) ? "" : "close without the chunk");
      }
    }

    private void broken(Link l, String why) {
      if (l.broken) {
        return;
      }
      l.broken = true;
      try {
        l.socket.close();
      } catch (IOException e) {
        // closing a broken socket: nothing more to learn
      }
      for (Map.Entry<Long, Long> e : l.requestOf.entrySet()) {
        if (!l.ended.containsKey(e.getKey()) && pending.containsKey(e.getValue())) {
          l.ended.put(e.getKey(), true);
          finish(e.getValue(), false, "[7, 3] " + why);
        }
      }
    }

    private String errorText(List<Value> args) {
      return args.isEmpty() ? "error" : args.toString();
    }
  }

  /** POST {@code request-ID} to the proxy; 200 with the same body is an answer, any status an error. */
  private final class HttpLane extends Lane {
    private final URI uri;
    // a connect is part of the request: it may take up to the request's deadline (a busy proxy
    // accepts late; the kernel retries a dropped SYN after 1 s, 3 s, ...)
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(timeout).build();

    HttpLane(URI uri) {
      super("http");
      this.uri = uri;
    }

    @Override
    void send(long id) {
      String payload = "request-" + id;
      start(id, payload);
      HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout)
          .POST(HttpRequest.BodyPublishers.ofString(payload)).build();
      client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((resp, e) -> {
        if (e != null) {
          if (e.getCause() instanceof java.net.http.HttpConnectTimeoutException) {
            finish(id, false, "io: no connection to the proxy within " + timeout.toMillis() + " ms");
            return;
          }
          if (e.getCause() instanceof java.net.http.HttpTimeoutException) {
            return; // the expiry marks it hung
          }
          finish(id, false, "io: " + (e.getCause() != null ? e.getCause() : e));
        } else if (resp.statusCode() == 200 && resp.body().equals(payload)) {
          finish(id, true, "");
        } else {
          finish(id, false, "status " + resp.statusCode() + " " + resp.body().strip());
        }
      });
    }
  }

  /** The summary file as lane -> counter -> value (a tiny parser for the flat JSON written above). */
  static Map<String, Map<String, Long>> readSummary(Path file) throws IOException {
    Map<String, Map<String, Long>> out = new LinkedHashMap<>();
    String text = Files.readString(file).trim();
    java.util.regex.Matcher lane = java.util.regex.Pattern.compile("\"(\\w+)\": \\{([^}]*)}").matcher(text);
    while (lane.find()) {
      Map<String, Long> counters = new LinkedHashMap<>();
      java.util.regex.Matcher c = java.util.regex.Pattern.compile("\"(\\w+)\": (\\d+)").matcher(lane.group(2));
      while (c.find()) {
        counters.put(c.group(1), Long.parseLong(c.group(2)));
      }
      out.put(lane.group(1), counters);
    }
    return out;
  }
}
