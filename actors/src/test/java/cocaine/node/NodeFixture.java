package cocaine.node;

import cocaine.locator.Endpoint;
import cocaine.locator.ServiceInfo;
import cocaine.node.app.AppHost;
import cocaine.node.app.NodeConfig;
import cocaine.node.isolate.ProcessIsolate;
import cocaine.rpc.service.Server;
import cocaine.rpc.transport.ConnectionSettings;
import cocaine.wire.Frame;
import cocaine.wire.Message;
import cocaine.wire.Values;
import cocaine.wire.WireClient;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.stream.javadsl.Tcp;

/**
 * A node for tests: in-memory storage, a recording publisher, the node service bound on an
 * ephemeral port, and real worker processes ({@link TestWorker}) started from a shell script.
 */
final class NodeFixture implements AutoCloseable {
  static final String LOCATOR = "127.0.0.1:10053";
  /** A client's receive buffer: small, so that a client that does not read stalls the worker soon. */
  private static final int RECEIVE_BUFFER = 64 * 1024;

  final ActorTestKit testKit;
  final MemoryStorage storage = new MemoryStorage();
  final FakePublisher publisher = new FakePublisher();
  final Path dir;
  final NodeConfig config;
  final ExecutorService outputs;
  final ActorRef<Node.Command> node;
  final Tcp.ServerBinding nodeBinding;
  final Path workerScript;

  NodeFixture(ActorTestKit testKit) throws Exception {
    this(testKit, "default");
  }

  NodeFixture(ActorTestKit testKit, String runlist) throws Exception {
    this(testKit, runlist, f -> {});
  }

  NodeFixture(ActorTestKit testKit, String runlist, java.util.function.Consumer<NodeFixture> seed) throws Exception {
    this(testKit, runlist, seed, NodeConfig.Rollover.DEFAULTS);
  }

  NodeFixture(ActorTestKit testKit, String runlist, java.util.function.Consumer<NodeFixture> seed,
      NodeConfig.Rollover rollover) throws Exception {
    this.testKit = testKit;
    this.dir = Files.createTempDirectory(Path.of("/tmp"), "cn");
    this.config = new NodeConfig("127.0.0.1", "127.0.0.1", List.of(new Endpoint("127.0.0.1", 10053)),
        dir.resolve("run"), dir.resolve("spool"), runlist, Duration.ofSeconds(10), ConnectionSettings.DEFAULTS, 64)
        .withRollover(rollover);
    this.outputs = ProcessIsolate.outputReaders(64);
    this.workerScript = writeWorkerScript(dir);
    seed.accept(this); // before the node boots and reads its runlist
    AppHost host = AppHost.processes(testKit.system(), storage, publisher, config, outputs);
    this.node = testKit.spawn(Node.create(host));
    this.nodeBinding = Server.bind(testKit.system(), "127.0.0.1", 0,
        new NodeService(node, host.running(), testKit.system().scheduler(), config.askTimeout()), ConnectionSettings.DEFAULTS)
        .toCompletableFuture().get();
  }

  /** A launcher for the test worker with just the classes it needs, so it starts quickly. */
  static Path writeWorkerScript(Path dir) throws IOException {
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    String needed = Arrays.stream(cp.split(File.pathSeparator))
        .filter(e -> e.contains("test-classes") || e.contains("wire") || e.contains("streams") || e.contains("msgpack"))
        .collect(Collectors.joining(File.pathSeparator));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path script = dir.resolve("worker.sh");
    Files.writeString(script, "#!/bin/sh\nexec " + java + " -Xshare:auto -XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
        + " -Xmx64m -cp '" + needed + "' cocaine.node.TestWorker \"$@\"\n");
    script.toFile().setExecutable(true);
    return script;
  }

  /** A profile with test-sized timeouts; {@code overrides} replace or add keys. */
  static Map<String, Object> profile(Object... overrides) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("spawn-timeout", 10);
    p.put("handshake-timeout", 15);
    p.put("heartbeat-timeout", 5);
    p.put("terminate-timeout", 3);
    p.put("pool-limit", 2);
    p.put("concurrency", 4);
    p.put("queue-limit", 10);
    for (int i = 0; i + 1 < overrides.length; i += 2) {
      p.put((String) overrides[i], overrides[i + 1]);
    }
    return p;
  }

  /** Stores the test worker's manifest (with this environment) and a profile of the app's name. */
  void app(String name, Map<String, String> env, Map<String, Object> profile) {
    Map<String, Object> manifest = new LinkedHashMap<>();
    manifest.put("slave", workerScript.toString());
    manifest.put("environment", env);
    storage.putMap("manifests", name, manifest);
    storage.putMap("profiles", name, profile);
  }

  WireClient nodeClient() throws IOException {
    return new WireClient("127.0.0.1", nodeBinding.localAddress().getPort(), RECEIVE_BUFFER);
  }

  /** Calls node.start_app and returns its reply frame. */
  Frame startApp(String app, String profile) throws IOException {
    try (WireClient c = nodeClient()) {
      long ch = c.open(Message.of(NodeService.START_APP, Values.str(app), Values.str(profile)));
      return c.next(ch, Duration.ofSeconds(60));
    }
  }

  Frame call(Message m) throws IOException {
    try (WireClient c = nodeClient()) {
      return c.reply(c.open(m));
    }
  }

  /** node.info(app, flags) as a plain map. */
  @SuppressWarnings("unchecked")
  Map<String, Object> info(String app, int flags) throws IOException {
    Frame reply = call(Message.of(NodeService.INFO, Values.str(app), Values.integer(flags)));
    if (reply.type() != 0) {
      throw reply.message().toException();
    }
    return (Map<String, Object>) Values.toJava(reply.args().get(0));
  }

  Map<String, Object> info(String app) throws IOException {
    return info(app, 1);
  }

  /** A nested value of an info map, e.g. {@code at(info, "pool", "active")}. */
  @SuppressWarnings("unchecked")
  static Object at(Map<String, Object> map, String... path) {
    Object v = map;
    for (String key : path) {
      v = v == null ? null : ((Map<String, Object>) v).get(key);
    }
    return v;
  }

  /** The crashlogs stored so far, decoded: key -> lines. */
  Map<String, List<String>> crashlogs() {
    Map<String, List<String>> out = new java.util.TreeMap<>();
    for (String key : storage.keys("crashlogs")) {
      byte[] blob = storage.read("crashlogs", key).toCompletableFuture().join();
      try (var unpacker = org.msgpack.core.MessagePack.newDefaultUnpacker(blob)) {
        out.put(key, Values.asStrings(unpacker.unpackValue()));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    return out;
  }

  /** A client of a published app's service. */
  WireClient appClient(String app) throws IOException {
    ServiceInfo info = publisher.published.get(app);
    if (info == null) {
      throw new IllegalStateException("app " + app + " is not published");
    }
    Endpoint e = info.endpoints().get(0);
    return new WireClient(e.host(), e.port(), RECEIVE_BUFFER);
  }

  @Override
  public void close() throws Exception {
    AskPattern.<Node.Command, Done>ask(node, Node.Shutdown::new, Duration.ofSeconds(60), testKit.system().scheduler())
        .toCompletableFuture().get();
    nodeBinding.unbind().toCompletableFuture().get();
    outputs.shutdownNow();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
