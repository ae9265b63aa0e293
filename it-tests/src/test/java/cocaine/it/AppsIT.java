package cocaine.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.client.ClientChannel;
import cocaine.client.Locator;
import cocaine.client.ServiceClient;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msgpack.value.ArrayValue;

/**
 * Issue 3's "done when": after the build, a runtime started with {@code bin/cocaine-runtime --role
 * all} gets the example apps uploaded and started with {@code bin/cocaine}, answers through
 * {@code bin/cocaine call} and a raw-bytes client, and survives a worker that dies mid-request.
 */
class AppsIT {
  static final Path APPS = RuntimeProcess.HOME.resolve("examples/target/apps");
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  @TempDir
  static Path dir;
  static RuntimeProcess runtime;

  @BeforeAll
  static void start() throws Exception {
    runtime = RuntimeProcess.start(dir, "all", "");
    for (String app : List.of("echo", "crash")) {
      assertCli(0, "uploaded", "app", "upload", APPS.resolve(app).toString(), "--name", app);
      assertCli(0, "uploaded", "profile", "upload", "-n", app, "-r", APPS.resolve(app).resolve("profile.json").toString());
      assertCli(0, "started", "app", "start", "-n", app, "-r", app);
    }
  }

  @AfterAll
  static void stop() {
    if (runtime != null) {
      runtime.close();
    }
  }

  @Test
  void cliCallGetsTheEchoReply() throws Exception {
    RuntimeProcess.CliResult r = runtime.cli("call", "echo", "ping", "hello from the cli");
    assertEquals(0, r.exit(), r.output());
    assertEquals("hello from the cli", r.output());
  }

  @Test
  void concurrentEnqueuesOnFewConnectionsAllGetTheirReply() throws Exception {
    // Invokes of channels opened at once must reach the worker in id order, or it drops them.
    List<ServiceClient> clients = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        clients.add(ServiceClient.connect("127.0.0.1", runtime.locatorPort(), "echo"));
      }
      for (int round = 0; round < 5; round++) {
        List<ClientChannel> channels = new java.util.ArrayList<>();
        for (int i = 0; i < 64; i++) {
          ClientChannel ch = clients.get(i % 4).enqueue("ping");
          ch.write(("r" + round + "-" + i).getBytes(StandardCharsets.UTF_8));
          ch.close();
          channels.add(ch);
        }
        for (int i = 0; i < 64; i++) {
          List<byte[]> reply = channels.get(i).readAll(TIMEOUT);
          assertEquals("r" + round + "-" + i, new String(reply.get(0), StandardCharsets.UTF_8));
        }
      }
    } finally {
      clients.forEach(ServiceClient::close);
    }
  }

  @Test
  void secondStartSaysAlreadyRunning() throws Exception {
    RuntimeProcess.CliResult r = runtime.cli("app", "start", "-n", "echo", "-r", "echo");
    assertEquals(1, r.exit(), r.output());
    assertTrue(r.output().contains("[20991, 5]"), r.output());
  }

  @Test
  void rawBytesEnqueueStreamsChunksBack() throws Exception {
    int port;
    try (Locator locator = Locator.connect("127.0.0.1", runtime.locatorPort())) {
      port = locator.resolve("echo").endpoints().get(0).port();
    }
    try (RawClient c = new RawClient(port)) {
      c.send(1, 0, "ping");
      c.send(1, 0, "chunk-1");
      c.send(1, 0, "chunk-2");
      c.send(1, 2);
      assertEquals("chunk-1", RawClient.str(c.receive().get(2).asArrayValue().get(0)));
      assertEquals("chunk-2", RawClient.str(c.receive().get(2).asArrayValue().get(0)));
      ArrayValue close = c.receive();
      assertEquals(2, close.get(1).asIntegerValue().toInt(), "close after the chunks: " + close);
      c.send(2, 0, "no-such-event");
      c.send(2, 2);
      ArrayValue error = c.receive();
      assertEquals(1, error.get(1).asIntegerValue().toInt(), "unknown event is an error: " + error);
      ArrayValue code = error.get(2).asArrayValue().get(0).asArrayValue();
      assertEquals(ErrorCode.WORKER_NO_HANDLER.category(), code.get(0).asIntegerValue().toInt());
    }
  }

  @Test
  void workerDyingMidRequestGivesAClearErrorACrashlogAndThePoolRecovers() throws Exception {
    try (ServiceClient crash = ServiceClient.connect("127.0.0.1", runtime.locatorPort(), "crash")) {
      ClientChannel doomed = crash.enqueue("crash");
      doomed.write("bye".getBytes(StandardCharsets.UTF_8));
      doomed.close();
      CocaineException e = assertThrows(CocaineException.class, () -> doomed.readAll(TIMEOUT));
      assertTrue(e.getMessage().contains("exit code 3"), "the error names the cause: " + e);
    }
    await("crashlog of the dead worker").atMost(TIMEOUT).untilAsserted(() -> {
      RuntimeProcess.CliResult list = runtime.cli("crashlog", "list", "-n", "crash", "--json");
      assertEquals(0, list.exit(), list.output());
      assertTrue(list.output().contains("uuid"), list.output());
    });
    RuntimeProcess.CliResult view = runtime.cli("crashlog", "view", "-n", "crash");
    assertEquals(0, view.exit(), view.output());
    assertTrue(view.output().contains("will now exit"), "crashlog holds the worker's last output: " + view.output());
    await("the pool serves again after the crash").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      RuntimeProcess.CliResult ping = runtime.cli("call", "crash", "ping", "still here");
      assertEquals("still here", ping.output());
    });
  }

  @Test
  void enqueueOnAStoppedAppIsRefused() throws Exception {
    assertCli(0, "uploaded", "profile", "upload", "-n", "tmp", "-r", APPS.resolve("echo/profile.json").toString());
    assertCli(0, "uploaded", "app", "upload", APPS.resolve("echo").toString(), "--name", "echo-tmp");
    assertCli(0, "started", "app", "start", "-n", "echo-tmp", "-r", "tmp");
    assertCli(0, "stopped", "app", "stop", "-n", "echo-tmp");
    RuntimeProcess.CliResult r = runtime.cli("call", "echo-tmp", "ping", "x");
    assertNotEquals(0, r.exit(), r.output());
    assertTrue(r.output().contains("[10, 1]") || r.output().contains("[20991, 6]"), r.output());
  }

  @Test
  void aProfileWrittenForTheOriginalUploadsAndStartsWithOneWarningPerKey() throws Exception {
    assertCli(0, "uploaded", "app", "upload", APPS.resolve("echo").toString(), "--name", "legacy");
    String profile = "{\"pool-limit\": 2, \"startup-timeout\": 20, \"termination-timeout\": 5, \"pool_limit\": 3,"
        + " \"isolate\": {\"type\": \"process\", \"args\": {\"cgroup\": {\"cpu\": 512}}}}";
    List<String> warnings = List.of(
        "profile 'legacy': 'startup-timeout' is the 0.11 name of 'spawn-timeout' and 'handshake-timeout': read as"
            + " 'spawn-timeout' and 'handshake-timeout' = 20",
        "profile 'legacy': 'termination-timeout' is the 0.11 name of 'terminate-timeout': read as 'terminate-timeout' = 5",
        "profile 'legacy': unknown key 'pool_limit' is ignored (did you mean 'pool-limit'?)",
        "profile 'legacy': unknown arg 'isolate.args.cgroup' of the process isolate is ignored");
    RuntimeProcess.CliResult upload = runtime.cli("profile", "upload", "-n", "legacy", "-r", profile);
    assertEquals(0, upload.exit(), upload.output());
    for (String w : warnings) {
      assertEquals(1, occurrences(upload.output(), "warning: " + w + "\n"), "the CLI tells it once: " + upload.output());
    }
    assertCli(0, "started", "app", "start", "-n", "legacy", "-r", "legacy");
    RuntimeProcess.CliResult call = runtime.cli("call", "legacy", "ping", "migrated");
    assertEquals("migrated", call.output());
    for (String w : warnings) {
      assertEquals(1, occurrences(runtime.output(), "app 'legacy': " + w), "the node logs it once: " + w);
    }
    assertCli(0, "stopped", "app", "stop", "-n", "legacy");
  }

  private static int occurrences(String text, String part) {
    int n = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + part.length())) {
      n++;
    }
    return n;
  }

  private static void assertCli(int exit, String expected, String... args) throws Exception {
    RuntimeProcess.CliResult r = runtime.cli(args);
    assertEquals(exit, r.exit(), List.of(args) + ": " + r.output());
    assertTrue(r.output().contains(expected), List.of(args) + ": " + r.output());
  }
}
