package cocaine.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.client.Locator;
import cocaine.client.LoggingClient;
import cocaine.client.ServiceClient;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.msgpack.value.ArrayValue;

/**
 * Issue 19 against the real runtime ({@code --role all}, a token from a file): each logging v2
 * method through the Java client, a filter set and listed through raw frames, bad input answered on
 * its channel, the token needed by the changing methods, a cluster filter loaded by a second node on
 * the same storage, and the {@code cocaine logging} verbs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LoggingV2IT {
  static final String TOKEN = "it-logging-7f2e";
  Path dir;
  Path tokenFile;
  RuntimeProcess runtime;

  @BeforeAll
  void start() throws Exception {
    dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "logging-v2")), "node-").toAbsolutePath();
    tokenFile = dir.resolve("token");
    Files.writeString(tokenFile, TOKEN + "\n");
    Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
    runtime = RuntimeProcess.start(dir.resolve("a"), "all", "cocaine.security.token-file = \"" + tokenFile + "\"");
  }

  @AfterAll
  void stop() {
    if (runtime != null) {
      runtime.close();
    }
  }

  LoggingClient client(boolean withToken) throws IOException {
    return client(runtime, withToken);
  }

  static LoggingClient client(RuntimeProcess node, boolean withToken) throws IOException {
    return new LoggingClient(ServiceClient.connect("127.0.0.1", node.locatorPort(), "logging"), Duration.ofSeconds(20),
        withToken ? List.of(cocaine.security.AccessToken.header(TOKEN)) : List.of());
  }

  @Test
  void eachMethodThroughTheJavaClient() throws Exception {
    try (LoggingClient logging = client(true)) {
      assertTrue(logging.emitAck(LoggingClient.INFO, "app/v2it", "kept", Map.of("worker", "w1")));
      assertFalse(logging.emitAck(LoggingClient.DEBUG, "app/v2it", "below the verbosity", Map.of()));

      long id = logging.setFilter("app/v2it", List.of("==", "worker", "w1"), 600);
      assertTrue(logging.emitAck(LoggingClient.DEBUG, "app/v2it", "w1's debug passes its filter", Map.of("worker", "w1")));
      assertFalse(logging.emitAck(LoggingClient.ERROR, "app/v2it", "w2's error does not", Map.of("worker", "w2")));
      assertTrue(logging.listLoggers().contains("app/v2it"), logging.listLoggers().toString());
      assertTrue(logging.listFilters().contains(new LoggingClient.Filter("app/v2it", List.of("==", "worker", "w1"), id,
          LoggingClient.LOCAL)), logging.listFilters().toString());

      assertTrue(logging.removeFilter(id));
      assertFalse(logging.removeFilter(id), "an unknown id is false");
      assertTrue(logging.emitAck(LoggingClient.ERROR, "app/v2it", "w2's error passes again", Map.of("worker", "w2")));

      long cluster = logging.setClusterFilter("app/v2cluster", List.of("severity", 3), 600);
      assertTrue(logging.listFilters().contains(new LoggingClient.Filter("app/v2cluster", List.of("severity", 3L), cluster,
          LoggingClient.CLUSTER)), logging.listFilters().toString());
      assertFalse(logging.emitAck(LoggingClient.WARNING, "app/v2cluster", "a warning is below the cluster filter", Map.of()));

      // a second node on the same storage loads the cluster filter at start
      try (RuntimeProcess other = RuntimeProcess.start(dir.resolve("b"), "node",
          "cocaine.paths.storage = \"" + runtime.dir().resolve("storage") + "\"\n"
              + "cocaine.security.token-file = \"" + tokenFile + "\"");
          LoggingClient b = client(other, true)) {
        await("node b has the cluster filter").atMost(Duration.ofSeconds(20))
            .until(() -> b.listFilters().stream().anyMatch(f -> f.id() == cluster && f.disposition() == LoggingClient.CLUSTER));
        assertFalse(b.emitAck(LoggingClient.WARNING, "app/v2cluster", "node b applies it too", Map.of()));
        assertTrue(b.removeFilter(cluster), "removed from the storage through node b");
      }
      assertTrue(logging.removeFilter(cluster), "node a's own copy (files storage: no watch across processes)");
      assertFalse(logging.removeFilter(cluster));
    }
  }

  @Test
  void theChangingMethodsNeedTheTokenTheOthersDoNot() throws Exception {
    try (LoggingClient logging = client(false)) {
      CocaineException e = expectRefused(() -> logging.setFilter("default", List.of("severity", 3), 60));
      assertEquals(ErrorCode.TOKEN_NOT_FOUND, e.code(), e.getMessage());
      assertTrue(e.getMessage().contains("logging.set_filter('default') needs the access token"), e.getMessage());
      assertEquals(ErrorCode.TOKEN_NOT_FOUND, expectRefused(() -> logging.setClusterFilter("default", List.of("severity", 3), 60)).code());
      assertEquals(ErrorCode.TOKEN_NOT_FOUND, expectRefused(() -> logging.removeFilter(1)).code());
      assertTrue(logging.emitAck(LoggingClient.INFO, "app/v2open", "emit_ack is open", Map.of()));
      logging.listLoggers();
      logging.listFilters();
    }
    // the ring holds workers' output: cocaine logs needs the token, and says so instead of trying elsewhere
    RuntimeProcess.CliResult without = runtime.cli("logs", "--app", "v2open");
    assertEquals(1, without.exit(), without.output());
    assertTrue(without.output().contains("logging.read needs the access token"), without.output());
    RuntimeProcess.CliResult with = runtime.cli(Map.of("COCAINE_TOKEN", TOKEN), "logs", "--app", "v2open");
    assertEquals(0, with.exit(), with.output());
    assertTrue(with.output().contains("[app/v2open] -: emit_ack is open"), with.output());
  }

  @Test
  void rawFramesSetAndListAFilterAndBadInputIsAnsweredOnItsChannel() throws Exception {
    int port;
    try (Locator locator = Locator.connect("127.0.0.1", runtime.locatorPort())) {
      port = locator.resolve("logging").endpoints().get(0).port();
    }
    Map<String, String> auth = Map.of("authorization", "Bearer " + TOKEN);
    try (RawClient raw = new RawClient(port)) {
      raw.sendWithHeaders(1, 6, auth, "app/v2raw", List.of("severity", 2), 600);
      ArrayValue set = raw.receive();
      assertEquals(0, set.get(1).asIntegerValue().toInt(), "value: " + set);
      long id = set.get(2).asArrayValue().get(0).asIntegerValue().toLong();

      raw.send(2, 8);
      ArrayValue list = raw.receive();
      assertEquals(0, list.get(1).asIntegerValue().toInt(), list.toString());
      assertTrue(list.get(2).asArrayValue().get(0).toString().replace(" ", "").contains("[\"app/v2raw\",[\"severity\",2]," + id + ",0]"),
          list.toString());

      raw.send(3, 3, 1, "app/v2raw", "info is below the filter");
      ArrayValue ack = raw.receive();
      assertEquals("[3,0,[false],[]]", ack.toString().replace(" ", ""));

      raw.sendWithHeaders(4, 6, auth, "app/v2raw", "not an array", 600);
      ArrayValue wrongType = raw.receive();
      assertEquals(1, wrongType.get(1).asIntegerValue().toInt(), wrongType.toString());
      assertTrue(wrongType.toString().replace(" ", "").contains("[7,2]"), wrongType.toString());

      raw.sendWithHeaders(5, 6, auth, "app/v2raw", List.of("==", "a", "x".repeat(5000)), 600);
      ArrayValue huge = raw.receive();
      assertTrue(huge.toString().replace(" ", "").contains("[12,27]"), huge.toString());

      raw.sendWithHeaders(6, 7, auth, 424242);
      assertEquals("[6,0,[false],[]]", raw.receive().toString().replace(" ", ""), "an unknown filter id");

      raw.sendWithHeaders(7, 7, auth, id);
      assertEquals("[7,0,[true],[]]", raw.receive().toString().replace(" ", ""));
    }
  }

  @Test
  void theCliVerbsWorkAndAnswerHelp() throws Exception {
    for (String verb : List.of("list", "set-filter", "remove-filter", "verbosity")) {
      RuntimeProcess.CliResult help = runtime.cli("logging", verb, "--help");
      assertEquals(0, help.exit(), help.output());
      assertTrue(help.output().contains("Usage: cocaine logging " + verb), help.output());
    }
    Map<String, String> token = Map.of("COCAINE_TOKEN", TOKEN);
    RuntimeProcess.CliResult set = runtime.cli(token, "logging", "set-filter", "-n", "app/v2cli", "--filter",
        "[\"severity\", 3]", "--ttl", "600");
    assertEquals(0, set.exit(), set.output());
    String id = set.output().trim();
    RuntimeProcess.CliResult list = runtime.cli("logging", "list");
    assertEquals(0, list.exit(), list.output());
    assertTrue(list.output().contains(id) && list.output().contains("app/v2cli"), list.output());
    RuntimeProcess.CliResult removed = runtime.cli(token, "logging", "remove-filter", "-i", id);
    assertEquals(0, removed.exit(), removed.output());
    RuntimeProcess.CliResult again = runtime.cli(token, "logging", "remove-filter", "-i", id);
    assertEquals(1, again.exit(), again.output());
    assertTrue(again.output().contains("no filter " + id), again.output());
    RuntimeProcess.CliResult bad = runtime.cli(token, "logging", "set-filter", "-n", "x", "--filter", "[oops", "--ttl", "1");
    assertTrue(bad.exit() != 0, bad.output());
    assertTrue(bad.output().contains("--filter must be JSON"), bad.output());
    try {
      RuntimeProcess.CliResult verbosity = runtime.cli(token, "logging", "verbosity", "warning");
      assertEquals("warning", verbosity.output().trim(), verbosity.output());
      assertEquals("warning", runtime.cli("logging", "verbosity").output().trim());
    } finally {
      assertEquals(0, runtime.cli(token, "logging", "verbosity", "info").exit());
    }
  }

  interface Call {
    Object run() throws Exception;
  }

  static CocaineException expectRefused(Call call) throws Exception {
    try {
      call.run();
    } catch (CocaineException e) {
      return e;
    } catch (java.util.concurrent.CompletionException e) {
      if (e.getCause() instanceof CocaineException c) {
        return c;
      }
      throw e;
    }
    throw new AssertionError("not refused");
  }
}
