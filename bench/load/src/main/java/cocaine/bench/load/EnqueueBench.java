package cocaine.bench.load;

import cocaine.client.Connection;
import cocaine.client.Locator;
import cocaine.client.ServiceClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Enqueue round trips per second against the echo app: C concurrent channels (one thread each,
 * one request at a time) over K connections; a request is enqueue(EVENT) + write(payload) + close,
 * done when the echoed chunk and the close came back. The baseline is the same client code
 * against {@link FrameServer} in {@code echo} mode.
 */
final class EnqueueBench {
  private EnqueueBench() {}

  public static void main(String[] args) throws Exception {
    Opts o = new Opts(args);
    int locatorPort = o.integer("locator-port", 0);
    int baselinePort = o.integer("baseline-port", 0);
    // Server processes whose CPU per request is reported (0: not measured).
    CpuMeter runtimeCpu = meter(o.integer("runtime-pid", 0));
    CpuMeter baselineCpu = meter(o.integer("baseline-pid", 0));
    String app = o.str("app", "echo");
    String event = o.str("event", "ping");
    int connections = o.integer("connections", 4);
    int channels = o.integer("channels", 64);
    byte[] payload = new byte[o.integer("payload", 1024)];
    Arrays.fill(payload, (byte) 'x');
    Duration warmup = o.seconds("warmup", 3);
    Duration window = o.seconds("seconds", 10);
    // A request with no reply within this is counted as an error and its thread moves on.
    Duration timeout = o.seconds("timeout", 5);

    Locator.Resolved resolved;
    try (Locator locator = AppClients.locator(locatorPort)) {
      resolved = locator.resolve(app);
    }
    // The first request spawns the first worker: do it before the clock starts.
    try (ServiceClient c = ServiceClient.connect(resolved, Connection.Settings.DEFAULT)) {
      long t0 = System.nanoTime();
      AppClients.echo(c, event, payload, Duration.ofSeconds(60));
      System.out.printf("first request (spawns the first worker): %.0f ms%n", (System.nanoTime() - t0) / 1e6);
    }
    // Each config is CHANNELSxCONNECTIONS; the first is the headline, the others are for comparison.
    Report t = new Report("target", "channels x conns", "requests/s", "p50 ms", "p99 ms", "max ms", "requests",
        "errors", "vs baseline", "server CPU us/req");
    double headline = 0;
    List<String> firstErrors = new ArrayList<>();
    for (String config : o.str("configs", channels + "x" + connections).split(",")) {
      String[] cx = config.trim().split("x");
      int ch = Integer.parseInt(cx[0]);
      int cn = Integer.parseInt(cx[1]);
      ClosedLoop.Result base = run(AppClients.elsewhere(resolved, baselinePort), cn, ch, event, payload, warmup, window,
          timeout, baselineCpu);
      System.out.printf("%s baseline done: %.0f requests/s, %d errors%n", config, base.opsPerSecond(), base.errors());
      ClosedLoop.Result rt = run(resolved, cn, ch, event, payload, warmup, window, timeout, runtimeCpu);
      System.out.printf("%s runtime done: %.0f requests/s, %d errors%n", config, rt.opsPerSecond(), rt.errors());
      for (var e : List.of(Map.entry("baseline echo frame server", base), Map.entry("runtime + echo app", rt))) {
        ClosedLoop.Result r = e.getValue();
        t.row(e.getKey(), ch + " x " + cn, Report.num(r.opsPerSecond()), Report.ms(r.latency().quantileMicros(0.5)),
            Report.ms(r.latency().quantileMicros(0.99)), Report.ms(r.latency().maxMicros()), r.ops(), r.errors(),
            String.format("%.3fx", r.opsPerSecond() / base.opsPerSecond()), String.format("%.0f", r.serverMicrosPerOp()));
        if (r.firstError() != null) {
          firstErrors.add(e.getKey() + " " + config + ": " + r.firstError());
        }
      }
      if (headline == 0) {
        headline = rt.opsPerSecond() / base.opsPerSecond();
      }
    }

    Map<String, Object> info = Map.of();
    try (ServiceClient c = ServiceClient.connect(resolved, Connection.Settings.DEFAULT)) {
      info = AppClients.info(c);
    } catch (Exception e) {
      System.out.println("FINDING: the app's info after the run failed: " + e);
    }
    System.out.println();
    System.out.println("enqueue('" + event + "') + write(" + payload.length + " B) + close -> write + close; "
        + "CHANNELS concurrent channels (one outstanding request each) over CONNS connections; " + window.toSeconds()
        + " s measured after " + warmup.toSeconds() + " s warm-up per row; a request without reply in "
        + timeout.toMillis() + " ms counts as an error");
    t.print();
    System.out.println("server CPU us/req: CPU of the server process tree (runtime + its workers, or the baseline"
        + " server) in the window per request; steadier than requests/s when other load shares the machine");
    System.out.printf("ratio runtime/baseline (first config): %.3f (target >= 0.5)%n", headline);
    System.out.println("app pool after the run: active workers " + AppClients.number(info, "pool", "active")
        + ", spawned " + AppClients.number(info, "pool", "total:spawned") + ", crashed "
        + AppClients.number(info, "pool", "total:crashed") + "; requests accepted "
        + AppClients.number(info, "requests", "accepted") + ", rejected " + AppClients.number(info, "requests", "rejected")
        + "; queue depth " + AppClients.number(info, "queue", "depth") + ", worker loads now (all clients idle, so > 0 = "
        + "sessions the runtime still holds) " + SessionsBench.loads(info));
    firstErrors.forEach(e -> System.out.println("first error, " + e));
  }

  private static CpuMeter meter(int pid) {
    return pid == 0 ? null : new CpuMeter(pid);
  }

  private static ClosedLoop.Result run(Locator.Resolved target, int connections, int channels, String event,
                                       byte[] payload, Duration warmup, Duration window, Duration timeout,
                                       CpuMeter server) throws Exception {
    List<ServiceClient> clients = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      clients.add(ServiceClient.connect(target, Connection.Settings.DEFAULT));
    }
    try {
      return ClosedLoop.run(channels, thread -> {
        ServiceClient c = clients.get(thread % connections);
        return () -> AppClients.echo(c, event, payload, timeout);
      }, warmup, window, 50_000_000, server);
    } finally {
      clients.forEach(ServiceClient::close);
    }
  }
}
