package cocaine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.client.ClientChannel;
import cocaine.client.Locator;
import cocaine.client.ServiceClient;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Values;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msgpack.value.Value;

/**
 * Issue 19: a runtime publishes urlfetch, chrono, cache, metrics and uniresis in its locator; an app
 * resolves and calls each; {@code cocaine metrics} reads the runtime's numbers; uniresis keeps its
 * uuid across a restart, and a service the config disables is not published. urlfetch refuses the
 * node's loopback by default and fetches from it once {@code allow-addresses} names it.
 */
class SmallServicesIT {
  @TempDir Path dir;

  @Test
  void everySmallServiceIsResolvedAndAnswersAndTheUuidSurvivesARestart() throws Exception {
    HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
    http.createContext("/", x -> {
      byte[] body = "fetched".getBytes(StandardCharsets.UTF_8);
      x.sendResponseHeaders(200, body.length);
      x.getResponseBody().write(body);
      x.close();
    });
    http.start();
    String local = "http://127.0.0.1:" + http.getAddress().getPort() + "/";
    String uuid;
    RuntimeProcess runtime = RuntimeProcess.start(dir, "all", "", "uniresis");
    try (Locator locator = Locator.connect("127.0.0.1", runtime.locatorPort())) {
      try (ServiceClient urlfetch = ServiceClient.connect(locator, "urlfetch")) {
        ExecutionException refused = assertThrows(ExecutionException.class,
            () -> urlfetch.call("get", local).get(20, TimeUnit.SECONDS));
        assertEquals(ErrorCode.PERMISSION_DENIED, ((CocaineException) refused.getCause()).code());
        assertTrue(refused.getCause().getMessage().contains("allow-addresses"), refused.getCause().getMessage());
      }
      try (ServiceClient chrono = ServiceClient.connect(locator, "chrono")) {
        ClientChannel timer = chrono.stream("notify_after", 0.1, true);
        Message id = timer.receive(Duration.ofSeconds(10));
        assertEquals(id, timer.receive(Duration.ofSeconds(10)));
        assertEquals(Graph.CLOSE, timer.receive(Duration.ofSeconds(10)).type());
      }
      try (ServiceClient cache = ServiceClient.connect(locator, "cache")) {
        cache.call("put", "k", "v").get(20, TimeUnit.SECONDS);
        assertEquals(List.of(Values.bool(true), Values.str("v")), cache.call("get", "k").get(20, TimeUnit.SECONDS));
      }
      try (ServiceClient uniresis = ServiceClient.connect(locator, "uniresis")) {
        uuid = Values.asString(uniresis.call("uuid").get(20, TimeUnit.SECONDS).get(0));
        assertTrue(Values.asLong(uniresis.call("cpu_count").get(20, TimeUnit.SECONDS).get(0)) > 0);
      }
      ProcessBuilder metrics = new ProcessBuilder(RuntimeProcess.HOME.resolve("bin/cocaine").toString(), "metrics",
          "-H", "127.0.0.1", "-P", String.valueOf(runtime.locatorPort()), "apps.running").redirectErrorStream(true);
      metrics.environment().put("HOME", Files.createDirectories(dir.resolve("home")).toString());
      Command.Result cli = Command.run(metrics, Duration.ofSeconds(60));
      assertEquals(0, cli.exit(), cli.output());
      assertTrue(cli.output().contains("cocaine.node.apps.running"), cli.output());
    } finally {
      runtime.close();
    }
    assertEquals(uuid + "\n", Files.readString(dir.resolve("state/uniresis.uuid")));
    // the same node again, with the cache turned off and urlfetch allowed onto 127.0.0.1
    Files.writeString(dir.resolve("runtime.conf"), "cocaine.services.cache.enabled = false\n"
        + "cocaine.services.urlfetch.allow-addresses = [\"127.0.0.1/32\"]\n", java.nio.file.StandardOpenOption.APPEND);
    RuntimeProcess again = runtime.restart();
    try (Locator locator = Locator.connect("127.0.0.1", again.locatorPort());
        ServiceClient uniresis = ServiceClient.connect(locator, "uniresis");
        ServiceClient urlfetch = ServiceClient.connect(locator, "urlfetch")) {
      assertEquals(uuid, Values.asString(uniresis.call("uuid").get(20, TimeUnit.SECONDS).get(0)));
      CocaineException off = assertThrows(CocaineException.class, () -> locator.resolve("cache"));
      assertEquals(ErrorCode.SERVICE_NOT_AVAILABLE, off.code());
      List<Value> got = urlfetch.call("get", local).get(20, TimeUnit.SECONDS);
      assertEquals(Values.bool(true), got.get(0));
      assertEquals("fetched", new String(Values.asBytes(got.get(1)), StandardCharsets.UTF_8));
    } finally {
      again.close();
      http.stop(0);
    }
  }
}
