package cocaine.bench.load;

import cocaine.client.Connection;
import cocaine.client.Locator;
import cocaine.wire.Frame;
import cocaine.wire.Values;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.msgpack.value.Value;

/**
 * Locator {@code resolve(NAME)} round trips per second over 1 and over 16 connections, one
 * outstanding request per connection (closed loop, no pipelining), against the runtime's locator,
 * with the framework's {@link Locator} and with the raw client; the baseline is the raw client
 * against {@link FrameServer} in {@code resolve} mode (same bytes both ways, no work behind them).
 */
final class ResolveBench {
  private ResolveBench() {}

  public static void main(String[] args) throws Exception {
    Opts o = new Opts(args);
    int locatorPort = o.integer("locator-port", 0);
    int baselinePort = o.integer("baseline-port", 0);
    String name = o.str("name", "storage");
    Duration warmup = o.seconds("warmup", 2);
    Duration window = o.seconds("seconds", 5);
    long maxOps = o.longValue("max-ops", 5_000_000);
    List<Value> request = List.of(Values.str(name));

    Report table = new Report("target", "client", "conns", "ops/s", "p50 ms", "p99 ms", "max ms", "errors", "vs baseline");
    for (int conns : o.ints("connections", "1,16")) {
      ClosedLoop.Result base = ClosedLoop.run(conns, t -> raw(baselinePort, request), warmup, window, maxOps);
      ClosedLoop.Result rawRt = ClosedLoop.run(conns, t -> raw(locatorPort, request), warmup, window, maxOps);
      ClosedLoop.Result fw = ClosedLoop.run(conns, t -> {
        Locator l = Locator.connect(new InetSocketAddress("127.0.0.1", locatorPort), Connection.Settings.DEFAULT,
            Duration.ofSeconds(30));
        return new ClosedLoop.Op() {
          @Override
          public void run() {
            l.resolve(name);
          }

          @Override
          public void close() {
            l.close();
          }
        };
      }, warmup, window, maxOps);
      row(table, "baseline echo server", "raw", conns, base, base);
      row(table, "runtime locator", "raw", conns, rawRt, base);
      row(table, "runtime locator", "framework Locator", conns, fw, base);
      for (ClosedLoop.Result r : List.of(base, rawRt, fw)) {
        if (r.firstError() != null) {
          System.out.println("first error (" + conns + " conns): " + r.firstError());
        }
      }
    }
    System.out.println();
    System.out.println("resolve(\"" + name + "\"), one outstanding request per connection (closed loop, not pipelined), "
        + window.toSeconds() + " s measured after " + warmup.toSeconds() + " s warm-up per row");
    table.print();
  }

  private static ClosedLoop.Op raw(int port, List<Value> request) throws Exception {
    RawClient c = new RawClient("127.0.0.1", port);
    return new ClosedLoop.Op() {
      @Override
      public void run() throws Exception {
        Frame reply = c.call(0, request);
        if (reply.type() != 0) {
          throw new IllegalStateException("resolve failed: " + reply);
        }
      }

      @Override
      public void close() throws Exception {
        c.close();
      }
    };
  }

  private static void row(Report t, String target, String client, int conns, ClosedLoop.Result r, ClosedLoop.Result base) {
    t.row(target, client, conns, Report.num(r.opsPerSecond()), Report.ms(r.latency().quantileMicros(0.5)),
        Report.ms(r.latency().quantileMicros(0.99)), Report.ms(r.latency().maxMicros()), r.errors(),
        String.format("%.2fx", r.opsPerSecond() / base.opsPerSecond()));
  }
}
