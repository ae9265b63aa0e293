package cocaine.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.client.Locator;
import cocaine.wire.ErrorCode;
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
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8's overload test: the echo app's {@code slow} event (ECHO_SLOW_MS per request) on a small
 * profile (one worker, concurrency 2, queue-limit 4). Measures the maximum throughput with a closed
 * loop that keeps the pool and queue full, then offers 1x, 2x and 3x that rate open-loop: requests
 * beyond the queue are refused with [21247, 1] within 50 ms (p99), accepted ones finish within 1 s
 * (p99), the runtime's memory stays bounded, HTTP through the proxy gets 503 for the refused, and
 * everything is served again once the load drops. The latency bounds are stated over a baseline
 * measured during the same steps, a {@link LatencyProbe}: on a busy host its round trips slow down
 * as the runtime's do, so the bounds apply on every run.
 */
class OverloadIT {
  static final int SLOW_MS = 50;
  static final int POOL_LIMIT = 1;
  static final int CONCURRENCY = 2;
  static final int QUEUE_LIMIT = 4;
  static final Duration STEP = Duration.ofSeconds(3);
  static final Duration DEADLINE = Duration.ofSeconds(10);
  /**
   * How many of the probe's round trips a request may be slower by, on top of the fixed bound: a
   * request to the runtime wakes a thread at the client, at the runtime's loop and back, the probe's
   * round trip one on each side.
   */
  static final double PROBE_FACTOR = 2.0;

  @TempDir
  static Path dir;
  static RuntimeProcess runtime;
  static int appPort;
  static int enqueueId;

  @BeforeAll
  static void start() throws Exception {
    runtime = RuntimeProcess.start(dir.resolve("runtime"), "all", "cocaine.proxy { retries = 0 }");
    // echo and http-echo with a shorter slow delay, as a user would upload variants of them
    for (String example : List.of("echo", "http-echo")) {
      String name = example.equals("echo") ? "slow" : "http-slow";
      Path app = dir.resolve(name);
      copy(AppsIT.APPS.resolve(example), app);
      Files.writeString(app.resolve("manifest.json"),
          "{\"slave\": \"run.sh\", \"environment\": {\"ECHO_SLOW_MS\": \"" + SLOW_MS + "\"}}");
      Files.writeString(app.resolve("profile.json"), "{\"pool-limit\": " + POOL_LIMIT + ", \"concurrency\": "
          + CONCURRENCY + ", \"queue-limit\": " + QUEUE_LIMIT + ", \"log-output\": false}");
      cli("uploaded", "app", "upload", app.toString(), "--name", name);
      cli("uploaded", "profile", "upload", "-n", name, "-r", app.resolve("profile.json").toString());
      cli("started", "app", "start", "-n", name, "-r", name);
    }
    // the workers are spawned before the measurement: a cold start is not overload
    cli("warm", "call", "slow", "slow", "warm");
    await("the proxy serves http-slow").atMost(Duration.ofSeconds(60)).ignoreExceptions()
        .until(() -> httpSend().get().kind() == Kind.OK);
    try (Locator locator = Locator.connect("127.0.0.1", runtime.locatorPort())) {
      Locator.Resolved slow = locator.resolve("slow");
      appPort = slow.endpoints().get(0).port();
      enqueueId = slow.methodId("enqueue");
    }
  }

  @AfterAll
  static void stop() {
    if (runtime != null) {
      runtime.close();
    }
  }

  @Test
  void loadBeyondTheQueueIsRefusedAtOnceAndTheRestServedInTime() throws Exception {
    long pid = runtime.process().pid();
    long rssBeforeKb = status(pid, "VmRSS");
    double loadPerCpuAtStart = loadPerCpu();
    try (Client client = new Client(appPort, 4); LatencyProbe probe = new LatencyProbe(Duration.ofMillis(20))) {
      // 1. the most the pool serves: keep workers and queue full, count completions
      double max = closedLoop(client, POOL_LIMIT * CONCURRENCY + QUEUE_LIMIT, Duration.ofSeconds(1), Duration.ofSeconds(3));
      assertTrue(max > 0, "no request completed in the closed loop");

      // 2. offered load 1x, 2x, 3x the maximum, open loop
      AtomicLong peakRssKb = new AtomicLong(rssBeforeKb);
      ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
      sampler.scheduleAtFixedRate(() -> {
        try {
          peakRssKb.accumulateAndGet(status(pid, "VmRSS"), Math::max);
        } catch (IOException e) {
          // the runtime is gone: the assertions below say so
        }
      }, 0, 100, TimeUnit.MILLISECONDS);
      List<Outcome> all = new ArrayList<>();
      StringBuilder report = new StringBuilder(String.format(
          "overload: echo 'slow' (%d ms per request), pool-limit %d, concurrency %d, queue-limit %d%n"
              + "max throughput (closed loop, %d outstanding): %.1f req/s%n",
          SLOW_MS, POOL_LIMIT, CONCURRENCY, QUEUE_LIMIT, POOL_LIMIT * CONCURRENCY + QUEUE_LIMIT, max));
      for (int factor = 1; factor <= 3; factor++) {
        List<Outcome> step = openLoop(() -> client.send(), max * factor, STEP);
        all.addAll(step);
        report.append(line(factor + "x (" + Math.round(max * factor) + " req/s)", step));
      }
      // 3. the same through the HTTP proxy at 3x: the refused get 503
      report.append(line("http 0.5x", openLoop(OverloadIT::httpSend, max / 2, Duration.ofSeconds(2))));
      List<Outcome> http = openLoop(OverloadIT::httpSend, max * 3, Duration.ofSeconds(2));
      report.append(line("http 3x", http));
      sampler.shutdownNow();
      long heapAfterGcKb = heapUsedAfterGcKb(pid);
      report.append(String.format("runtime RSS before %d MiB, peak %d MiB; heap used after a full GC %d MiB%n",
          rssBeforeKb / 1024, peakRssKb.get() / 1024, heapAfterGcKb / 1024));

      // 4. load drops: everything is served again (one request at a time)
      List<Outcome> after = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        after.add(client.send().get(DEADLINE.toSeconds() + 5, TimeUnit.SECONDS));
      }
      report.append(line("after, 1 by 1", after));
      List<Outcome> refused = all.stream().filter(o -> o.kind == Kind.REFUSED).toList();
      List<Outcome> served = all.stream().filter(o -> o.kind == Kind.OK).toList();
      report.append(String.format("all steps: refused p50 %.1f / p95 %.1f / p99 %.1f ms; served p99 %.1f ms%n",
          quantile(refused, 0.5), quantile(refused, 0.95), p99(refused), p99(served)));
      double loadPerCpu = Math.max(loadPerCpuAtStart, loadPerCpu());
      double probeP99 = probe.quantile(0.99);
      report.append(String.format("baseline: %d loopback echo round trips during the steps, p50 %.1f / p99 %.1f ms; "
          + "load average per CPU %.1f%n", probe.samples(), probe.quantile(0.5), probeP99, loadPerCpu));
      System.out.println(report);
      Files.writeString(RuntimeProcess.HOME.resolve("it-tests/target/overload-figures.txt"), report);

      assertEquals(List.of(), all.stream().filter(o -> o.kind == Kind.OTHER || o.kind == Kind.HUNG).limit(5).toList(),
          "every request is served or refused with queue-full\n" + report);
      assertTrue(refused.size() > all.size() / 10, "3x the maximum must refuse many\n" + report);
      assertEquals(List.of(), http.stream().filter(o -> o.kind == Kind.OTHER || o.kind == Kind.HUNG).limit(5).toList(),
          "over HTTP every request is served or refused with 503\n" + report);
      assertTrue(http.stream().anyMatch(o -> o.kind == Kind.REFUSED), "HTTP at 3x gets 503s\n" + report);
      assertTrue(after.stream().allMatch(o -> o.kind == Kind.OK), "served again after the load dropped\n" + report);
      // the heap is -Xmx512m; what matters is that the overload left nothing behind
      assertTrue(peakRssKb.get() - rssBeforeKb < 256 * 1024, "RSS grew by more than 256 MiB\n" + report);
      assertTrue(heapAfterGcKb < 128 * 1024, "heap after GC above 128 MiB\n" + report);
      double refusedBound = 50 + PROBE_FACTOR * probeP99;
      double servedBound = 1000 + PROBE_FACTOR * probeP99;
      assertTrue(probe.samples() > 100, "the probe ran alongside the load\n" + report);
      assertTrue(p99(refused) <= refusedBound, String.format("refusals within 50 ms + %.0f x the probe's p99 = %.1f ms"
          + " (p99)%n%s", PROBE_FACTOR, refusedBound, report));
      assertTrue(p99(served) <= servedBound, String.format("accepted requests within 1 s + %.0f x the probe's p99 = "
          + "%.1f ms (p99)%n%s", PROBE_FACTOR, servedBound, report));
    }
  }

  enum Kind { OK, REFUSED, OTHER, HUNG }

  /** One request's end: how, after how many ms, and the error text if any. */
  record Outcome(Kind kind, double millis, String detail) {}

  private static String line(String what, List<Outcome> outcomes) {
    List<Outcome> served = outcomes.stream().filter(o -> o.kind == Kind.OK).toList();
    List<Outcome> refused = outcomes.stream().filter(o -> o.kind == Kind.REFUSED).toList();
    List<Outcome> other = outcomes.stream().filter(o -> o.kind == Kind.OTHER || o.kind == Kind.HUNG).toList();
    return String.format("%-16s sent %4d  served %4d (p50 %5.1f, p99 %6.1f ms)  refused %4d (p50 %5.1f, p99 %5.1f ms)"
        + "  other %d%s%n", what, outcomes.size(), served.size(), quantile(served, 0.5), p99(served), refused.size(),
        quantile(refused, 0.5), p99(refused), other.size(),
        other.isEmpty() ? "" : " e.g. " + other.get(0).kind + " " + other.get(0).detail.replace('\n', ' '));
  }

  static double p99(List<Outcome> outcomes) {
    return quantile(outcomes, 0.99);
  }

  static double quantile(List<Outcome> outcomes, double q) {
    if (outcomes.isEmpty()) {
      return 0;
    }
    List<Double> ms = new ArrayList<>(outcomes.stream().map(Outcome::millis).toList());
    Collections.sort(ms);
    return ms.get((int) Math.max(0, Math.min(ms.size() - 1, Math.ceil(ms.size() * q) - 1)));
  }

  /** Keeps {@code outstanding} requests in flight; completions per second in the window after the warm-up. */
  private static double closedLoop(Client client, int outstanding, Duration warmup, Duration window) throws Exception {
    long start = System.nanoTime();
    long windowStart = start + warmup.toNanos();
    long end = windowStart + window.toNanos();
    AtomicLong completed = new AtomicLong();
    List<CompletableFuture<Void>> loops = new ArrayList<>();
    for (int i = 0; i < outstanding; i++) {
      CompletableFuture<Void> loop = new CompletableFuture<>();
      loops.add(loop);
      next(client, windowStart, end, completed, loop);
    }
    CompletableFuture.allOf(loops.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
    return completed.get() / (window.toNanos() / 1e9);
  }

  private static void next(Client client, long windowStart, long end, AtomicLong completed, CompletableFuture<Void> loop) {
    client.send().whenComplete((o, e) -> {
      long now = System.nanoTime();
      if (o != null && o.kind == Kind.OK && now >= windowStart && now < end) {
        completed.incrementAndGet();
      }
      if (now >= end) {
        loop.complete(null);
      } else {
        next(client, windowStart, end, completed, loop);
      }
    });
  }

  /** Sends at {@code rate} per second for {@code length}; returns every outcome once all have ended. */
  private static List<Outcome> openLoop(Supplier<CompletableFuture<Outcome>> send, double rate, Duration length)
      throws Exception {
    List<CompletableFuture<Outcome>> sent = Collections.synchronizedList(new ArrayList<>());
    ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
    try {
      long period = (long) (1e9 / rate);
      ScheduledFuture<?> task = clock.scheduleAtFixedRate(() -> sent.add(send.get()), 0, period, TimeUnit.NANOSECONDS);
      await().atMost(length.plusSeconds(30)).until(() -> sent.size() >= (long) (rate * length.toNanos() / 1e9));
      task.cancel(false);
    } finally {
      clock.shutdown();
    }
    List<CompletableFuture<Outcome>> copy;
    synchronized (sent) {
      copy = new ArrayList<>(sent);
    }
    CompletableFuture.allOf(copy.toArray(new CompletableFuture[0])).get(DEADLINE.toSeconds() + 10, TimeUnit.SECONDS);
    return copy.stream().map(CompletableFuture::join).toList();
  }

  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  private static CompletableFuture<Outcome> httpSend() {
    long t0 = System.nanoTime();
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + runtime.proxyPort() + "/http-slow/slow"))
        .timeout(DEADLINE).POST(HttpRequest.BodyPublishers.ofString("x")).build();
    return HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString()).handle((r, e) -> {
      double ms = (System.nanoTime() - t0) / 1e6;
      if (e != null) {
        return new Outcome(e.getCause() instanceof java.net.http.HttpTimeoutException ? Kind.HUNG : Kind.OTHER, ms,
            e.toString());
      }
      if (r.statusCode() == 503 && r.body().contains("queue is full")) {
        return new Outcome(Kind.REFUSED, ms, r.body());
      }
      return new Outcome(r.statusCode() == 200 && r.body().equals("x") ? Kind.OK : Kind.OTHER, ms,
          r.statusCode() + " " + r.body());
    });
  }

  /**
   * {@code enqueue("slow")} + write + close over a few hand-framed connections, answered
   * asynchronously by one reader thread per connection; a request with no end within
   * {@link #DEADLINE} is hung.
   */
  static final class Client implements AutoCloseable {
    private final List<Conn> conns = new ArrayList<>();
    private final AtomicLong next = new AtomicLong();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    Client(int port, int connections) throws IOException {
      for (int i = 0; i < connections; i++) {
        conns.add(new Conn(port));
      }
    }

    CompletableFuture<Outcome> send() {
      Conn c = conns.get((int) (next.getAndIncrement() % conns.size()));
      CompletableFuture<Outcome> done = c.send();
      timer.schedule(() -> done.complete(new Outcome(Kind.HUNG, DEADLINE.toMillis(), "no end within the deadline")),
          DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
      return done;
    }

    @Override
    public void close() throws IOException {
      timer.shutdownNow();
      for (Conn c : conns) {
        c.socket.close();
      }
    }

    private static final class Conn {
      final Socket socket;
      final OutputStream out;
      final Map<Long, CompletableFuture<Outcome>> pending = new ConcurrentHashMap<>();
      final Map<Long, Long> started = new ConcurrentHashMap<>();
      long channel; // guarded by this

      Conn(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        Thread reader = new Thread(this::read, "overload-reader");
        reader.setDaemon(true);
        reader.start();
      }

      synchronized CompletableFuture<Outcome> send() {
        long ch = ++channel;
        CompletableFuture<Outcome> done = new CompletableFuture<>();
        pending.put(ch, done);
        started.put(ch, System.nanoTime());
        try {
          out.write(FrameEncoder.encode(new Message(enqueueId, List.of(Values.str("slow")),
              List.of(Header.ofLong(Header.REQUEST_TIMEOUT, DEADLINE.toMillis() / 2))).on(ch)));
          out.write(FrameEncoder.encode(Message.write(Values.str("x")).on(ch)));
          out.write(FrameEncoder.encode(Message.close().on(ch)));
          out.flush();
        } catch (IOException e) {
          done.complete(new Outcome(Kind.OTHER, 0, e.toString()));
        }
        return done;
      }

      private void read() {
        FrameDecoder decoder = new FrameDecoder(1 << 20);
        byte[] buf = new byte[64 * 1024];
        try {
          InputStream in = socket.getInputStream();
          int n;
          while ((n = in.read(buf)) > 0) {
            decoder.feed(buf, 0, n);
            Frame f;
            while ((f = decoder.next()) != null) {
              if (f.type() == Graph.ERROR || f.type() == 2) {
                CompletableFuture<Outcome> done = pending.remove(f.channel());
                double ms = (System.nanoTime() - started.remove(f.channel())) / 1e6;
                if (f.type() == 2) {
                  done.complete(new Outcome(Kind.OK, ms, ""));
                } else {
                  ErrorCode code = f.message().toException().code();
                  done.complete(new Outcome(code.equals(ErrorCode.QUEUE_IS_FULL) ? Kind.REFUSED : Kind.OTHER, ms,
                      f.message().toException().getMessage()));
                }
              }
            }
          }
        } catch (IOException | RuntimeException e) {
          pending.values().forEach(d -> d.complete(new Outcome(Kind.OTHER, 0, "connection lost: " + e)));
        }
      }
    }
  }

  static double loadPerCpu() throws IOException {
    String first = Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    return Double.parseDouble(first) / Runtime.getRuntime().availableProcessors();
  }

  static long status(long pid, String key) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith(key + ":")) {
        return Long.parseLong(line.substring(key.length() + 1).trim().split("\\s+")[0]);
      }
    }
    throw new IllegalStateException("no " + key + " in /proc/" + pid + "/status");
  }

  /** {@code jcmd PID GC.run}, then the heap's used kB from {@code GC.heap_info}. */
  static long heapUsedAfterGcKb(long pid) throws Exception {
    jcmd(pid, "GC.run");
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("total (\\d+)K, used (\\d+)K").matcher(jcmd(pid, "GC.heap_info"));
    assertTrue(m.find(), "jcmd GC.heap_info shows the heap");
    return Long.parseLong(m.group(2));
  }

  private static String jcmd(long pid, String command) throws Exception {
    Command.Result r = Command.run(List.of("jcmd", Long.toString(pid), command), Duration.ofSeconds(60));
    assertEquals(0, r.exit(), "jcmd " + command + ": " + r.output());
    return r.output();
  }

  static void copy(Path from, Path to) throws IOException {
    try (var files = Files.walk(from)) {
      for (Path p : files.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

  static String cli(String expected, String... args) throws Exception {
    RuntimeProcess.CliResult r = runtime.cli(args);
    assertEquals(0, r.exit(), List.of(args) + ": " + r.output());
    assertTrue(r.output().contains(expected), List.of(args) + ": " + r.output());
    return r.output();
  }
}
