package cocaine.bench.load;

import cocaine.client.ClientChannel;
import cocaine.client.Connection;
import cocaine.client.Locator;
import cocaine.client.ServiceClient;
import cocaine.wire.Values;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * The balancer's gateway against direct connections to the node, same run, same client code:
 * <ul>
 *   <li>{@code gateway}: connections/s (each op: TCP connect, one 16-byte echo, close) and
 *       throughput (each op: one echo of CHUNKS x CHUNK bytes on a kept connection), once to the
 *       app endpoint the node's locator gives and once to the virtual endpoint the balancer's
 *       locator gives; prints the gateway/direct ratio of each.</li>
 *   <li>{@code removal}: kills the node (-9) and times how long until the balancer logs that the
 *       gateway lost the node's real of the app.</li>
 * </ul>
 */
final class GatewayBench {
  private GatewayBench() {}

  public static void main(String[] args) throws Exception {
    Opts o = new Opts(args);
    String app = o.str("app", "echo");
    int threads = o.integer("threads", 8);
    int streams = o.integer("streams", 4);
    byte[] small = new byte[16];
    byte[] chunk = new byte[o.integer("chunk-kib", 64) * 1024];
    Arrays.fill(chunk, (byte) 'x');
    int chunks = o.integer("chunks", 16);
    Duration warmup = o.seconds("warmup", 2);
    Duration window = o.seconds("seconds", 5);
    Duration timeout = o.seconds("timeout", 10);
    Locator.Resolved direct = resolve(o.integer("node-locator-port", 0), app);
    Locator.Resolved gateway = resolve(o.integer("balancer-locator-port", 0), app);
    System.out.println("direct: " + direct.endpoints() + ", gateway: " + gateway.endpoints());
    // the first request spawns the worker: before any clock starts
    try (ServiceClient c = ServiceClient.connect(direct, Connection.Settings.DEFAULT)) {
      AppClients.echo(c, "ping", small, Duration.ofSeconds(60));
    }

    Report t = new Report("measure", "path", "ops/s", "MiB/s", "p50 ms", "p99 ms", "errors", "gateway / direct");
    int rounds = o.integer("rounds", 3);
    ClosedLoop.Result[] conns = new ClosedLoop.Result[2];
    ClosedLoop.Result[] bulk = new ClosedLoop.Result[2];
    List<Locator.Resolved> paths = List.of(direct, gateway);
    // direct and gateway alternate, round after round: a burst of load from elsewhere on the host
    // then hits both paths instead of skewing the ratio
    for (int round = 0; round < rounds; round++) {
      for (int i = 0; i < 2; i++) {
        Locator.Resolved target = paths.get(i);
        ClosedLoop.Result r = ClosedLoop.run(threads, thread -> () -> {
          try (ServiceClient c = ServiceClient.connect(target, Connection.Settings.DEFAULT)) {
            AppClients.echo(c, "ping", small, timeout);
          }
        }, warmup, window, Long.MAX_VALUE);
        conns[i] = merge(conns[i], r);
        System.out.printf("round %d connections/s %s: %.0f%n", round + 1, i == 0 ? "direct" : "gateway", r.opsPerSecond());
      }
      for (int i = 0; i < 2; i++) {
        Locator.Resolved target = paths.get(i);
        ClosedLoop.Result r = ClosedLoop.run(streams, thread -> new ClosedLoop.Op() {
          final ServiceClient c = ServiceClient.connect(target, Connection.Settings.DEFAULT);

          @Override
          public void run() {
            echoBulk(c, chunk, chunks, timeout);
          }

          @Override
          public void close() {
            c.close();
          }
        }, warmup, window, Long.MAX_VALUE);
        bulk[i] = merge(bulk[i], r);
        System.out.printf("round %d throughput %s: %.1f MiB/s%n", round + 1, i == 0 ? "direct" : "gateway",
            r.opsPerSecond() * chunk.length * chunks / 1048576.0);
      }
    }
    for (int i = 0; i < 2; i++) {
      String path = i == 0 ? "direct to the node" : "via the gateway";
      t.row("connections/s (" + threads + " threads, connect + 16 B echo + close)", path, Report.num(conns[i].opsPerSecond()),
          "-", Report.ms(conns[i].latency().quantileMicros(0.5)), Report.ms(conns[i].latency().quantileMicros(0.99)),
          conns[i].errors(), i == 0 ? "" : String.format("%.2fx", conns[1].opsPerSecond() / conns[0].opsPerSecond()));
    }
    for (int i = 0; i < 2; i++) {
      String path = i == 0 ? "direct to the node" : "via the gateway";
      double mib = bulk[i].opsPerSecond() * chunk.length * chunks / 1048576.0;
      t.row("throughput (" + streams + " connections, " + chunks + " x " + chunk.length / 1024 + " KiB echoed)", path,
          Report.num(bulk[i].opsPerSecond()), String.format("%.1f", mib), Report.ms(bulk[i].latency().quantileMicros(0.5)),
          Report.ms(bulk[i].latency().quantileMicros(0.99)), bulk[i].errors(),
          i == 0 ? "" : String.format("%.2fx", bulk[1].opsPerSecond() / bulk[0].opsPerSecond()));
    }
    t.print();
    for (ClosedLoop.Result r : List.of(conns[0], conns[1], bulk[0], bulk[1])) {
      if (r.firstError() != null) {
        System.out.println("first error: " + r.firstError());
      }
    }
  }

  /** Two measured windows as one: operations and seconds added, latencies merged. */
  private static ClosedLoop.Result merge(ClosedLoop.Result a, ClosedLoop.Result b) {
    if (a == null) {
      return b;
    }
    Histogram latency = new Histogram();
    latency.add(a.latency());
    latency.add(b.latency());
    return new ClosedLoop.Result(a.ops() + b.ops(), a.seconds() + b.seconds(), latency, a.errors() + b.errors(),
        a.firstError() != null ? a.firstError() : b.firstError(), a.serverCpuNanos() + b.serverCpuNanos());
  }

  /** One request whose body is {@code n} chunks; done when all echoed bytes and the close came back. */
  static void echoBulk(ServiceClient client, byte[] chunk, int n, Duration timeout) {
    ClientChannel ch = client.enqueue("ping");
    for (int i = 0; i < n; i++) {
      ch.write(chunk);
    }
    ch.close();
    long expected = (long) chunk.length * n;
    long got = 0;
    while (true) {
      Message m = AppClients.expect(ch, timeout);
      if (m.type() == Graph.CLOSE) {
        break;
      }
      if (m.type() != Graph.WRITE) {
        throw AppClients.unexpected(ch, m, "write");
      }
      got += Values.asBytes(m.args().get(0)).length;
    }
    if (got != expected) {
      throw new IllegalStateException("channel " + ch.id() + ": echoed " + got + " bytes, sent " + expected);
    }
  }

  private static Locator.Resolved resolve(int port, String app) throws Exception {
    try (Locator locator = AppClients.locator(port)) {
      return locator.resolve(app);
    }
  }

  /** {@code removal --node-pid P --balancer-log F --node UUID --app A}: kill -9, then wait for the log line. */
  static void removal(String[] args) throws Exception {
    Opts o = new Opts(args);
    long pid = o.longValue("node-pid", 0);
    Path log = Path.of(o.str("balancer-log", null));
    String needle = "app '" + o.str("app", "echo") + "' lost the real of node '" + o.str("node", null) + "'";
    Duration limit = o.seconds("timeout", 30);
    long before = count(log, needle);
    ProcessHandle node = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("no process " + pid));
    long t0 = System.nanoTime();
    node.destroyForcibly();
    long deadline = t0 + limit.toNanos();
    while (count(log, needle) == before) {
      if (System.nanoTime() > deadline) {
        System.out.println("node-death -> reals removed: NOT within " + limit.toMillis() + " ms");
        System.exit(1);
      }
      // polling the balancer's log file is the measurement; 1 ms is its resolution
      java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
    }
    System.out.printf("node-death -> reals removed: %.0f ms (kill -9 of pid %d until the balancer logged \"%s\")%n",
        (System.nanoTime() - t0) / 1e6, pid, needle);
  }

  private static long count(Path log, String needle) throws java.io.IOException {
    try (var lines = Files.lines(log, StandardCharsets.UTF_8)) {
      return lines.filter(l -> l.contains(needle)).count();
    }
  }
}
