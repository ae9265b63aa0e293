package cocaine.node.isolate.docker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.node.isolate.Isolate;
import cocaine.node.isolate.ProcessIsolate;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The docker isolate against the local daemon ({@code scripts/docker.sh start}) with a tiny image of
 * BusyBox and a worker script, imported by the test itself. The tests that need a daemon are skipped
 * when none answers on /var/run/docker.sock.
 */
class DockerIsolateTest {
  static final String IMAGE_REPOSITORY = "cocaine-test/dtest";
  static final String TAG = "t" + Long.toHexString(System.nanoTime());
  static final Path BUSYBOX = Path.of("/bin/busybox");
  static final Duration TIMEOUT = Duration.ofSeconds(30);
  static final String WORKER = String.join("\n",
      "#!/bin/sh",
      "echo \"argv: $*\"",
      "echo \"env: $GREETING\"",
      "echo \"mounted: $(ls /var/run/cocaine)\"",
      "if [ \"$MODE\" = exit ]; then echo 'bye' >&2; exit 7; fi",
      "if [ \"$MODE\" = nnp ]; then while read -r l; do case \"$l\" in NoNewPrivs*) echo \"$l\";; esac; done"
          + " </proc/self/status; exit 0; fi",
      "if [ \"$MODE\" = stubborn ]; then trap 'echo ignoring TERM' TERM; else trap 'echo got TERM; exit 0' TERM; fi",
      "while :; do sleep 0.1; done",
      "");

  static Daemon daemon;
  static String skip;

  @TempDir
  Path dir;
  final ExecutorService blocking = Executors.newFixedThreadPool(4);
  final ExecutorService outputs = ProcessIsolate.outputReaders(4);
  final Isolate.OutputPolicy policy = new Isolate.OutputPolicy(50, 4096, false);
  DockerNode node;

  @BeforeAll
  static void importTestImage() throws IOException {
    daemon = Daemon.connect(URI.create(DockerOptions.DEFAULT_ENDPOINT), 4, Duration.ofSeconds(5));
    try {
      daemon.api().pingCmd().exec();
    } catch (RuntimeException e) {
      skip = "no Docker daemon answers on " + DockerOptions.DEFAULT_ENDPOINT + " (scripts/docker.sh start): " + e;
      return;
    }
    if (!Files.isExecutable(BUSYBOX)) {
      skip = BUSYBOX + " is missing (apt-get install busybox-static)";
      return;
    }
    // docker import; docker-java's createImageCmd streams the body in a way the daemon reads as a cut tar
    try (DockerHttpClient http = new ApacheDockerHttpClient.Builder()
        .dockerHost(URI.create(DockerOptions.DEFAULT_ENDPOINT)).build();
        DockerHttpClient.Response r = http.execute(DockerHttpClient.Request.builder()
            .method(DockerHttpClient.Request.Method.POST)
            .path("/images/create?fromSrc=-&repo=" + IMAGE_REPOSITORY + "&tag=" + TAG)
            .putHeader("Content-Type", "application/x-tar")
            .bodyBytes(rootfs()).build())) {
      String body = new String(r.getBody().readAllBytes(), StandardCharsets.UTF_8);
      if (r.getStatusCode() != 200 || body.contains("\"error\"")) {
        throw new IOException("cannot import the test image: " + r.getStatusCode() + " " + body);
      }
    }
  }

  @AfterAll
  static void removeTestImage() {
    if (skip == null) {
      try {
        daemon.api().removeImageCmd(IMAGE_REPOSITORY + ":" + TAG).withForce(true).exec();
      } catch (RuntimeException e) {
        // best effort
      }
    }
    daemon.close();
  }

  @AfterEach
  void stop() {
    if (node != null && skip == null) {
      // nothing a test left behind survives it
      for (Container c : leftovers()) {
        daemon.api().removeContainerCmd(c.getId()).withForce(true).exec();
      }
    }
    blocking.shutdownNow();
    outputs.shutdownNow();
  }

  /** BusyBox as /bin/sh, sleep and ls, and the worker script at /worker. */
  private static byte[] rootfs() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      dirEntry(tar, "bin/");
      dirEntry(tar, "tmp/");
      fileEntry(tar, "bin/busybox", Files.readAllBytes(BUSYBOX));
      for (String tool : List.of("sh", "sleep", "ls")) {
        TarArchiveEntry link = new TarArchiveEntry("bin/" + tool, TarArchiveEntry.LF_SYMLINK);
        link.setLinkName("busybox");
        tar.putArchiveEntry(link);
        tar.closeArchiveEntry();
      }
      fileEntry(tar, "worker", WORKER.getBytes(StandardCharsets.UTF_8));
    }
    return bytes.toByteArray();
  }

  private static void dirEntry(TarArchiveOutputStream tar, String name) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setMode(040755);
    tar.putArchiveEntry(e);
    tar.closeArchiveEntry();
  }

  private static void fileEntry(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setSize(content.length);
    e.setMode(0100755);
    tar.putArchiveEntry(e);
    tar.write(content);
    tar.closeArchiveEntry();
  }

  private Isolate isolate(String slave, Map<String, Object> extra) {
    return isolate(slave, extra, DockerPolicy.NONE);
  }

  private Isolate isolate(String slave, Map<String, Object> extra, DockerPolicy allowed) {
    node = DockerNode.create(dir.resolve("run"), allowed, 4, blocking, outputs);
    Map<String, Object> args = new HashMap<>(Map.of("repository", "cocaine-test", "tag", TAG, "kill_timeout", 2L));
    args.putAll(extra);
    return node.factory().create("dtest", slave, "docker", args, policy);
  }

  private TreeMap<String, String> argv() throws IOException {
    Files.createDirectories(dir.resolve("run"));
    Files.writeString(dir.resolve("run/marker"), "");
    TreeMap<String, String> args = new TreeMap<>();
    args.put("app", "dtest");
    args.put("endpoint", dir.resolve("run/dtest.123").toString());
    args.put("locator", "127.0.0.1:10053");
    args.put("protocol", "1");
    args.put("uuid", "u-1");
    return args;
  }

  private List<Container> leftovers() {
    return daemon.api().listContainersCmd().withShowAll(true)
        .withLabelFilter(Map.of(DockerIsolate.NODE_LABEL, node.label())).exec();
  }

  private static <T> T join(java.util.concurrent.CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  private static CocaineException failure(java.util.concurrent.CompletionStage<?> stage) {
    CompletionException e = assertThrows(CompletionException.class, () -> stage.toCompletableFuture().join());
    assertTrue(e.getCause() instanceof CocaineException, "a CocaineException: " + e.getCause());
    return (CocaineException) e.getCause();
  }

  private static void needsDaemon() {
    Assumptions.assumeTrue(skip == null, skip);
  }

  @Test
  @Tag("docker")
  void workerRunsInAContainerWithTheRewrittenEndpointTheSocketFolderAndTheManifestEnvironment() throws Exception {
    needsDaemon();
    Isolate isolate = isolate("worker", Map.of());
    join(isolate.spool(Optional.empty()));
    Isolate.Worker worker = join(isolate.spawn(argv(), Map.of("GREETING", "hello", "MODE", "exit")));

    assertEquals(7, join(worker.exit()));
    // stdout in order; stderr ("bye") comes through its own pipe, so anywhere among them
    List<String> output = worker.output();
    assertEquals(List.of(
        // on the bridge network the node's loopback locator is reached through the bridge's gateway
        "argv: --app dtest --endpoint /var/run/cocaine/dtest.123 --locator " + bridgeGateway() + ":10053 --protocol 1 --uuid u-1",
        "env: hello",
        "mounted: marker"), output.stream().filter(l -> !l.equals("bye")).toList());
    assertTrue(output.contains("bye"), output.toString());
    assertEquals(List.of(), leftovers(), "the exited container is removed");
    isolate.close();
  }

  @Test
  @Tag("docker")
  void containersAreLabelledWithNodeAppAndSlot() throws Exception {
    needsDaemon();
    Isolate isolate = isolate("/worker", Map.of());
    join(isolate.spool(Optional.empty()));
    Isolate.Worker worker = join(isolate.spawn(argv(), Map.of()));
    assertTrue(worker.pid() > 0, "the container's pid on the host");
    Map<String, String> labels = leftovers().get(0).getLabels();
    assertEquals(node.label(), labels.get(DockerIsolate.NODE_LABEL));
    assertEquals("dtest", labels.get(DockerIsolate.APP_LABEL));
    assertEquals("u-1", labels.get(DockerIsolate.SLOT_LABEL));
    worker.kill();
    join(worker.exit());
    isolate.close();
  }

  @Test
  @Tag("docker")
  void containersDropEveryCapabilityButThoseTheProfileNames() throws Exception {
    needsDaemon();
    Isolate isolate = isolate("/worker", Map.of("capabilities", List.of("NET_ADMIN")),
        new DockerPolicy(List.of(), Set.of(Capability.NET_ADMIN), Set.of(), Set.of()));
    join(isolate.spool(Optional.empty()));
    Isolate.Worker worker = join(isolate.spawn(argv(), Map.of()));
    var host = daemon.api().inspectContainerCmd(leftovers().get(0).getId()).exec().getHostConfig();
    assertEquals(List.of(Capability.ALL), List.of(host.getCapDrop()));
    assertEquals(List.of(Capability.NET_ADMIN), List.of(host.getCapAdd()));
    worker.kill();
    join(worker.exit());
    isolate.close();
  }

  @Test
  @Tag("docker")
  void killStopsTheWorkerWithSigtermAndRemovesItsContainer() throws Exception {
    needsDaemon();
    Isolate isolate = isolate("worker", Map.of());
    join(isolate.spool(Optional.empty()));
    Isolate.Worker worker = join(isolate.spawn(argv(), Map.of()));
    await().atMost(TIMEOUT).until(() -> worker.output().contains("mounted: marker"));

    worker.kill();
    assertEquals(0, join(worker.exit()), "the worker's TERM handler exits 0");
    assertTrue(worker.output().contains("got TERM"), worker.output().toString());
    assertEquals(List.of(), leftovers());
    isolate.close();
  }

  @Test
  @Tag("docker")
  void workerIgnoringSigtermIsKilledAfterTheKillTimeout() throws Exception {
    needsDaemon();
    Isolate isolate = isolate("worker", Map.of("kill_timeout", 1L));
    join(isolate.spool(Optional.empty()));
    Isolate.Worker worker = join(isolate.spawn(argv(), Map.of("MODE", "stubborn")));
    await().atMost(TIMEOUT).until(() -> worker.output().contains("mounted: marker"));

    long start = System.nanoTime();
    worker.kill();
    assertEquals(137, join(worker.exit()), "SIGKILL after kill_timeout");
    assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(900), "not before kill_timeout");
    assertTrue(worker.output().contains("ignoring TERM"), worker.output().toString());
    assertEquals(List.of(), leftovers());
    isolate.close();
  }

  @Test
  @Tag("docker")
  void containerKilledFromOutsideExitsWithTheSignalsCodeAndKeepsItsOutput() throws Exception {
    needsDaemon();
    Isolate isolate = isolate("worker", Map.of());
    join(isolate.spool(Optional.empty()));
    Isolate.Worker worker = join(isolate.spawn(argv(), Map.of("GREETING", "before the kill")));
    await().atMost(TIMEOUT).until(() -> worker.output().contains("mounted: marker"));

    daemon.api().killContainerCmd(leftovers().get(0).getId()).exec();
    assertEquals(137, join(worker.exit()));
    assertTrue(worker.output().contains("env: before the kill"), worker.output().toString());
    assertEquals(List.of(), leftovers());
    isolate.close();
  }

  @Test
  @Tag("docker")
  void slaveMissingFromTheImageFailsTheSpawnWithDockersReason() throws Exception {
    needsDaemon();
    Isolate isolate = isolate("/no/such/worker", Map.of());
    join(isolate.spool(Optional.empty()));
    CocaineException e = failure(isolate.spawn(argv(), Map.of()));
    assertEquals(ErrorCode.SPOOL_ERROR, e.code());
    assertTrue(e.getMessage().contains("cannot start a container") && e.getMessage().contains("/no/such/worker"),
        e.getMessage());
    await().atMost(TIMEOUT).until(() -> leftovers().isEmpty());
    isolate.close();
  }

  @Test
  @Tag("docker")
  void imageMissingWithoutARegistryFailsTheSpoolSayingHowToGetIt() {
    needsDaemon();
    Isolate isolate = isolate("worker", Map.of("tag", "no-such-tag"));
    CocaineException e = failure(isolate.spool(Optional.empty()));
    assertEquals(ErrorCode.NOT_FOUND, e.code());
    assertTrue(e.getMessage().contains("image 'cocaine-test/dtest:no-such-tag' is not on the Docker daemon"),
        e.getMessage());
    assertTrue(e.getMessage().contains("isolate.args.registry"), e.getMessage());
    isolate.close();
  }

  @Test
  @Tag("docker")
  void unreachableRegistryFailsTheSpoolNamingIt() {
    needsDaemon();
    Isolate isolate = isolate("worker", Map.of("registry", "127.0.0.1:1"));
    CocaineException e = failure(isolate.spool(Optional.empty()));
    assertEquals(ErrorCode.SPOOL_ERROR, e.code());
    assertTrue(e.getMessage().contains("cannot pull image '127.0.0.1:1/cocaine-test/dtest:" + TAG + "' from 127.0.0.1:1"),
        e.getMessage());
    isolate.close();
  }

  @Test
  void unreachableDaemonFailsTheSpoolNamingTheEndpoint() {
    String endpoint = "unix://" + dir.resolve("no-daemon.sock");
    Isolate isolate = isolate("worker", Map.of("endpoint", endpoint),
        new DockerPolicy(List.of(), Set.of(), Set.of(), Set.of(endpoint)));
    CocaineException e = failure(isolate.spool(Optional.empty()));
    assertEquals(ErrorCode.SPOOL_ERROR, e.code());
    assertTrue(e.getMessage().contains("cannot reach the Docker daemon at unix://" + dir.resolve("no-daemon.sock")),
        e.getMessage());
    isolate.close();
  }

  @Test
  @Tag("docker")
  void workersRunWithNoNewPrivileges() throws Exception {
    needsDaemon();
    Isolate isolate = isolate("/worker", Map.of());
    join(isolate.spool(Optional.empty()));
    Isolate.Worker worker = join(isolate.spawn(argv(), Map.of("MODE", "nnp")));

    assertEquals(0, join(worker.exit()), worker.output().toString());
    assertEquals(List.of("argv: --app dtest --endpoint /var/run/cocaine/dtest.123 --locator " + bridgeGateway() + ":10053"
        + " --protocol 1 --uuid u-1", "env: ", "mounted: marker", "NoNewPrivs:\t1"), worker.output());
    isolate.close();
  }

  @Test
  void argsTheOperatorDidNotAllowFailBeforeAnyDockerCall() {
    CocaineException e = assertThrows(CocaineException.class,
        () -> isolate("worker", Map.of("volumes", List.of("/:/host:rw"), "endpoint", "tcp://192.0.2.1:2375")));
    assertEquals(ErrorCode.PERMISSION_DENIED, e.code());
    assertEquals("app 'dtest': profile field 'isolate.args.endpoint' = 'tcp://192.0.2.1:2375' is not allowed on this"
        + " node: add 'tcp://192.0.2.1:2375' to cocaine.isolate.docker.allow.endpoints", e.getMessage());
    e = assertThrows(CocaineException.class, () -> isolate("worker", Map.of("network_mode", "host")));
    assertEquals(ErrorCode.PERMISSION_DENIED, e.code());
  }

  @Test
  void badProfileArgsFailTheIsolateBeforeAnyDockerCall() {
    CocaineException e = assertThrows(CocaineException.class, () -> isolate("worker", Map.of("memory_limit", 1024L)));
    assertTrue(e.getMessage().contains("below Docker's minimum"), e.getMessage());
  }

  @Test
  @Tag("docker")
  void sweepRemovesTheContainersAnEarlierRunOfTheNodeLeft() throws Exception {
    needsDaemon();
    Isolate isolate = isolate("worker", Map.of());
    join(isolate.spool(Optional.empty()));
    String label = node.label();
    String stray = daemon.api().createContainerCmd(IMAGE_REPOSITORY + ":" + TAG).withCmd("/worker")
        .withLabels(Map.of(DockerIsolate.NODE_LABEL, label)).exec().getId();
    String foreign = daemon.api().createContainerCmd(IMAGE_REPOSITORY + ":" + TAG).withCmd("/worker")
        .withLabels(Map.of(DockerIsolate.NODE_LABEL, label + "-other-node")).exec().getId();
    try {
      DockerNode restarted = DockerNode.create(dir.resolve("run"), 4, blocking, outputs);
      assertEquals(1, join(restarted.sweep(URI.create(DockerOptions.DEFAULT_ENDPOINT))));
      assertEquals(List.of(), leftovers());
      assertEquals(foreign, daemon.api().inspectContainerCmd(foreign).exec().getId(), "another node's container stays");
    } finally {
      daemon.api().removeContainerCmd(foreign).withForce(true).exec();
      isolate.close();
    }
    assertTrue(stray.length() > 0);
  }

  /** The default bridge's gateway as the docker CLI reports it (or its subnet's first address when it reports none). */
  static String bridgeGateway() throws Exception {
    Process p = new ProcessBuilder("docker", "network", "inspect", "bridge", "--format",
        "{{range .IPAM.Config}}{{.Gateway}} {{.Subnet}}{{end}}").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
    assertEquals(0, p.waitFor(), out);
    String[] gatewayAndSubnet = out.split(" ");
    String gateway = gatewayAndSubnet.length == 2 ? gatewayAndSubnet[0] : "";
    String subnet = gatewayAndSubnet[gatewayAndSubnet.length - 1];
    String host = LocatorRoute.gatewayOf(gateway, subnet);
    assertNotNull(host, "the default bridge has neither a gateway nor an IPv4 subnet: " + out);
    return host;
  }
}
