package cocaine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.client.Connection;
import cocaine.client.ServiceClient;
import cocaine.it.DockerLab.Run;
import cocaine.wire.Values;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;

/**
 * The seed's machines for {@link SeedTopologyIT}: one network namespace per host on one switch
 * ({@code scripts/seed-lab.sh}), a 3-server ZooKeeper ensemble ({@code scripts/zookeeper.sh
 * member}), and each host's runtime started from its own config file, filled in from the templates
 * in {@code it-tests/src/test/resources/seed/} (the README shows them).
 */
final class SeedLab {
  static final Path SCRIPTS = RuntimeProcess.HOME.resolve("scripts");
  static final int LOCATOR_PORT = 10053;
  static final int PROXY_PORT = 8080;
  static final int SSH_PORT = 2222;
  static final int ZK_PORT = 2181;
  /** OpenSearch's HTTP port on the {@code logs} host (scripts/opensearch.sh takes 9201..9299). */
  static final int SEARCH_PORT = 9201;
  /** A runtime's start on a machine this test shares with others: several JVMs start at once. */
  static final Duration STARTUP = Duration.ofSeconds(180);
  /** Hosts in the order seed-lab.sh numbers them: NET.1, NET.2, ... */
  static final List<String> HOSTS = List.of("lb", "zk1", "zk2", "zk3", "build", "node1", "node2", "node3", "node4",
      "logs", "client");

  final String prefix;
  final String net;
  final Path dir;

  SeedLab(String prefix, String net, Path dir) {
    this.prefix = prefix;
    this.net = net;
    this.dir = dir;
  }

  String ns(String host) {
    return prefix + "-" + host;
  }

  String address(String host) {
    int i = HOSTS.indexOf(host);
    if (i < 0) {
      throw new IllegalArgumentException("no host '" + host + "' in the seed lab " + HOSTS);
    }
    return net + "." + (i + 1);
  }

  /** The ensemble's connect string, {@code zk1:2181,zk2:2181,zk3:2181} by address. */
  String zookeeper() {
    return List.of("zk1", "zk2", "zk3").stream().map(h -> address(h) + ":" + ZK_PORT).collect(Collectors.joining(","));
  }

  void up() throws Exception {
    Run r = DockerLab.run(List.of(SCRIPTS.resolve("seed-lab.sh").toString(), "up", prefix, net));
    assertEquals(0, r.exit(), "seed-lab.sh up: " + r.output());
  }

  void down() throws Exception {
    DockerLab.run(List.of(SCRIPTS.resolve("seed-lab.sh").toString(), "down", prefix));
  }

  /** Starts member {@code id} (1..3) of the ensemble in its host's namespace; returns once it answers. */
  void startZookeeper(int id) throws Exception {
    String servers = List.of("zk1", "zk2", "zk3").stream().map(h -> address(h) + ":" + ZK_PORT + ":2888:3888")
        .collect(Collectors.joining(","));
    Run r = inNamespace("zk" + id, List.of(SCRIPTS.resolve("zookeeper.sh").toString(), "member",
        dir.resolve("zk" + id).toString(), String.valueOf(id), servers));
    assertEquals(0, r.exit(), "zookeeper.sh member " + id + ": " + r.output());
  }

  /** {@code stop} or {@code kill} of member {@code id}. */
  void zookeeper(String how, int id) throws Exception {
    Run r = DockerLab.run(List.of(SCRIPTS.resolve("zookeeper.sh").toString(), how, dir.resolve("zk" + id).toString()));
    assertEquals(0, r.exit(), "zookeeper.sh " + how + " zk" + id + ": " + r.output());
  }

  /** The search engine every node ships its log to: OpenSearch on the {@code logs} host. */
  String searchUrl() {
    return "http://" + address("logs") + ":" + SEARCH_PORT;
  }

  /**
   * Starts OpenSearch in the {@code logs} host, bound to its lab address ({@code scripts/opensearch.sh
   * start DIR PORT HOST}); returns once it answers. Its runner's jars are fetched first, in the root
   * namespace (the lab has no way out): a machine that cannot fetch them fails here with the reason.
   */
  void startSearch() throws Exception {
    Run fetch = DockerLab.run(List.of(SCRIPTS.resolve("opensearch.sh").toString(), "fetch"));
    assertEquals(0, fetch.exit(), "SeedTopologyIT needs OpenSearch's runner for its logs host: " + fetch.output());
    Run r = inNamespace("logs", List.of(SCRIPTS.resolve("opensearch.sh").toString(), "start",
        dir.resolve("logs").toString(), String.valueOf(SEARCH_PORT), address("logs")));
    assertEquals(0, r.exit(), "opensearch.sh start in the logs host: " + r.output());
  }

  /** Stops the {@code logs} host's OpenSearch, if it was started (its data stays in the lab's folder). */
  void stopSearch() throws Exception {
    if (Files.exists(dir.resolve("logs/opensearch.pid"))) {
      DockerLab.run(List.of(SCRIPTS.resolve("opensearch.sh").toString(), "stop", dir.resolve("logs").toString()));
    }
  }

  /** The host's config file: the template {@code seed/<template>.conf} with its {@code {{KEY}}}s filled in. */
  static String config(String template, Map<String, String> values) throws IOException {
    String text;
    try (InputStream in = SeedLab.class.getResourceAsStream("/seed/" + template + ".conf")) {
      if (in == null) {
        throw new IOException("no template seed/" + template + ".conf on the test class path");
      }
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    for (Map.Entry<String, String> e : values.entrySet()) {
      text = text.replace("{{" + e.getKey() + "}}", e.getValue());
    }
    if (text.contains("{{")) {
      throw new IllegalArgumentException("template " + template + " has an unfilled key: " + text);
    }
    return text;
  }

  /** Starts node {@code host} (node1..node4) from the node template; returns once its locator resolves storage. */
  RuntimeProcess startNode(String host) throws IOException {
    Map<String, String> values = new LinkedHashMap<>();
    values.put("NAME", host);
    values.put("ADDRESS", address(host));
    values.put("ZOOKEEPER", zookeeper());
    values.put("SEARCH", searchUrl());
    return ready(RuntimeProcess.startIn(ns(host), address(host), dir.resolve(host), "node", config("node", values),
        RuntimeProcess.NOT_AWAITED), "storage");
  }

  /** Starts the node again after a crash, same config and folders; returns once it resolves storage. */
  static RuntimeProcess restartNode(RuntimeProcess node) throws IOException {
    return ready(node.restart(), "storage");
  }

  RuntimeProcess startBalancer() throws IOException {
    return ready(RuntimeProcess.startIn(ns("lb"), address("lb"), dir.resolve("lb"), "balancer",
        config("lb", Map.of("ADDRESS", address("lb"), "ZOOKEEPER", zookeeper())), RuntimeProcess.NOT_AWAITED),
        "locator");
  }

  private static RuntimeProcess ready(RuntimeProcess runtime, String service) {
    runtime.awaitReady(service, STARTUP);
    return runtime;
  }

  /** The builder's runtime, not awaited: the test waits for its "role builder ready" line. */
  RuntimeProcess startBuilder(Path data, String registry) throws IOException {
    return RuntimeProcess.startIn(ns("build"), address("build"), dir.resolve("build"), "builder",
        config("build", Map.of("ADDRESS", address("build"), "DATA", data.toString(), "REGISTRY", registry,
            "NODE", address("node1"))), RuntimeProcess.NOT_AWAITED);
  }

  /** Runs command in the host's namespace (cwd and env as given) and returns how it went. */
  Run inNamespace(String host, List<String> command, Path cwd, Map<String, String> env) throws Exception {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns(host)));
    full.addAll(command);
    return DockerLab.run(full, cwd, env);
  }

  Run inNamespace(String host, List<String> command) throws Exception {
    return inNamespace(host, command, null, Map.of());
  }

  /** The real CLI run on the client host against the locator at {@code host}. */
  Run cli(String host, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(RuntimeProcess.HOME.resolve("bin/cocaine").toString()));
    command.addAll(List.of(args));
    command.addAll(List.of("--host", address(host), "--port", String.valueOf(LOCATOR_PORT)));
    return inNamespace("client", command);
  }

  /** Sessions {@code app} has accepted on node {@code host} so far (node {@code info}); -1 when it does not run there. */
  long accepted(String host, String app) {
    return infoNumber(host, app, "requests", "accepted");
  }

  /** Workers of {@code app} up on node {@code host} (node {@code info}: pool.active); -1 when it does not run there. */
  long activeWorkers(String host, String app) {
    return infoNumber(host, app, "pool", "active");
  }

  private long infoNumber(String host, String app, String section, String key) {
    try (ServiceClient client = ServiceClient.connect(address(host), LOCATOR_PORT, "node")) {
      Object info = Values.toJava(Connection.await(client.call("info", app, 1), Duration.ofSeconds(5), "info").get(0));
      Object part = ((Map<?, ?>) info).get(section);
      return part == null ? -1 : ((Number) ((Map<?, ?>) part).get(key)).longValue();
    } catch (Exception e) {
      return -1;
    }
  }

  /** Runs the tasks at once (each host starts on its own) and returns their results in order. */
  static <T> List<T> inParallel(List<Callable<T>> tasks) throws Exception {
    List<CompletableFuture<T>> running = tasks.stream().map(t -> CompletableFuture.supplyAsync(() -> {
      try {
        return t.call();
      } catch (Exception e) {
        throw new CompletionException(e);
      }
    })).toList();
    List<T> out = new ArrayList<>();
    for (CompletableFuture<T> f : running) {
      try {
        out.add(f.join());
      } catch (CompletionException e) {
        if (e.getCause() instanceof Exception cause) {
          throw cause;
        }
        throw e;
      }
    }
    return out;
  }

  static void assertOk(Run r, String what) {
    assertEquals(0, r.exit(), what + ": " + r.output());
  }

  static void assertContains(String output, String... parts) {
    for (String p : parts) {
      assertTrue(output.contains(p), "'" + p + "' in:\n" + output);
    }
  }
}
