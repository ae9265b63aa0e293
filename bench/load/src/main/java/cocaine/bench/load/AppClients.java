package cocaine.bench.load;

import cocaine.client.ClientChannel;
import cocaine.client.Connection;
import cocaine.client.Locator;
import cocaine.client.ServiceClient;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Helpers shared by the app benchmarks: connecting, one echo round trip, the app's info map. */
final class AppClients {
  private AppClients() {}

  static Locator locator(int port) throws IOException {
    return Locator.connect(new InetSocketAddress("127.0.0.1", port), Connection.Settings.DEFAULT, Duration.ofSeconds(60));
  }

  /** The same service description pointed at another endpoint (the baseline server). */
  static Locator.Resolved elsewhere(Locator.Resolved r, int port) {
    return new Locator.Resolved(r.name(), List.of(new Locator.Endpoint("127.0.0.1", port)), r.version(), r.methods(), r.graph());
  }

  /**
   * One request: {@code enqueue(event)}, {@code write(payload)}, {@code close}; then waits for the
   * echoed chunk and the service's {@code close}. Throws on anything else.
   */
  static void echo(ServiceClient client, String event, byte[] payload, Duration timeout) {
    ClientChannel ch = client.enqueue(event);
    ch.write(payload);
    ch.close();
    Message first = expect(ch, timeout);
    if (first.type() != Graph.WRITE) {
      throw unexpected(ch, first, "write");
    }
    byte[] got = Values.asBytes(first.args().get(0));
    if (got.length != payload.length) {
      throw new IllegalStateException("channel " + ch.id() + ": echoed " + got.length + " bytes, sent " + payload.length);
    }
    Message last = expect(ch, timeout);
    if (last.type() != Graph.CLOSE) {
      throw unexpected(ch, last, "close");
    }
  }

  static Message expect(ClientChannel ch, Duration timeout) {
    Message m = ch.receive(timeout);
    if (m == null) {
      throw new IllegalStateException("channel " + ch.id() + ": no reply within " + timeout.toMillis() + " ms");
    }
    return m;
  }

  static IllegalStateException unexpected(ClientChannel ch, Message m, String wanted) {
    String what = m.type() == Graph.ERROR ? "error " + m.toException().getMessage() : "type " + m.type() + " " + m.args();
    return new IllegalStateException("channel " + ch.id() + ": expected " + wanted + ", got " + what);
  }

  /** The app service's {@code info} map ({@code queue}, {@code pool}, {@code requests}, ...). */
  @SuppressWarnings("unchecked")
  static Map<String, Object> info(ServiceClient app) {
    List<org.msgpack.value.Value> v = Connection.await(app.call("info"), Duration.ofSeconds(30), "info of " + app.name());
    return (Map<String, Object>) Values.toJava(v.get(0));
  }

  @SuppressWarnings("unchecked")
  static Object path(Map<String, Object> map, String... keys) {
    Object cur = map;
    for (String k : keys) {
      if (!(cur instanceof Map)) {
        return null;
      }
      cur = ((Map<String, Object>) cur).get(k);
    }
    return cur;
  }

  static long number(Map<String, Object> map, String... keys) {
    Object v = path(map, keys);
    return v instanceof Number n ? n.longValue() : -1;
  }
}
