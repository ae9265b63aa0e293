package cocaine.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.it.DockerLab.Run;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 16's installation, host by host ({@link SeedLab}): a 3-server ZooKeeper ensemble, a build
 * host (builder role), three nodes (docker isolate, ZooKeeper storage and discovery), a balancer
 * with the nftables gateway and the proxy, and a client host running {@code git push}, the CLI and
 * a counted load of {@value #RATE} req/s through the proxy ({@link ChaosLoad}, its own JVM). In
 * order: a pushed app serves from every node; a second push is a rolling update, then a rollback,
 * a 20% canary (its split measured) and its promotion ({@link SeedSteps}); a push whose health event
 * fails is rolled back automatically; node2's runtime killed and restarted converges back;
 * node4 joins and takes traffic, and an app placed on node1 only answers a client of node3's locator
 * ({@link SeedRemoteResolve}); one ZooKeeper server lost, then the whole ensemble, under which a
 * deploy fails clearly and after which everything converges; {@code cocaine logs -f --app NAME}
 * from the client host shows the app's lines from every node, read from OpenSearch in the {@code
 * logs} host (started in {@code @BeforeAll} beside the rest, bound to its lab address), which every
 * node ships its log to. The load's requests per step are
 * asserted at the end: none failed in steps 1, 2, 3, 5 and 6, only those in flight at the kill in step 4,
 * every request answered exactly once. Figures go to {@code it-tests/target/seed-figures.txt}.
 *
 * <p>The simulation's compromise: every host is a network namespace of this machine, and the
 * machine has one Docker daemon. Each node drives it through its unix socket (the same path in
 * every namespace), so the containers of all nodes sit on that daemon's bridge in the root
 * namespace and reach their node at its lab address through the root namespace's leg on the lab's
 * switch ({@code scripts/seed-lab.sh}). The registry the build host pushes to is the one that daemon
 * pulls from, {@code 127.0.0.1:5000} in the root namespace ({@code scripts/registry.sh}): on real
 * machines it would be an address of the build host every node's daemon trusts.
 * Needs root, dockerd, ZooKeeper, nft, git, ssh and OpenSearch's runner ({@code scripts/opensearch.sh
 * fetch}); a missing one fails the test with the reason.
 */
@Tag("netns")
@Tag("docker")
@Tag("zookeeper")
@Tag("git-ssh")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SeedTopologyIT {
  static final int RATE = 50;
  /** A request with no reply past this is hung; the proxy answers within its 10 s timeout (lb.conf). */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);
  static final Duration CONVERGE = Duration.ofSeconds(120);
  /**
   * After node2's process is gone, how long a request may still be sent on one of the proxy's
   * connections to it: until the proxy reads their close and the balancer's link to node2 drops.
   */
  static final Duration IN_FLIGHT_AT_KILL = Duration.ofSeconds(2);
  static final String APP = "seed-echo";
  static final String OTHER = "seed-other";
  static final List<String> FIRST_NODES = List.of("node1", "node2", "node3");

  SeedLab lab;
  private FileChannel labLock;
  final Map<String, RuntimeProcess> nodes = new LinkedHashMap<>();
  RuntimeProcess balancer;
  RuntimeProcess builder;
  Path repo;
  Path key;
  Path loadDir;
  Process load;
  /** OpenSearch starting in the logs host while the rest comes up; step 7 waits for it. */
  CompletableFuture<Void> search;
  /** The load's outcomes are judged per step: requests sent in [fromMs, toMs). */
  final List<SeedLoadReport.Step> steps = new ArrayList<>();
  final List<SeedLoadReport.Figure> figures = new ArrayList<>();

  @BeforeAll
  void up() throws Exception {
    assertEquals("root", System.getProperty("user.name"), "SeedTopologyIT needs root (network namespaces, nftables)");
    for (String tool : List.of("/usr/bin/curl", "/usr/sbin/nft", "/usr/bin/git", "/usr/bin/ssh", "/usr/bin/ssh-keygen",
        "/usr/share/java/zookeeper.jar")) {
      assertTrue(Files.exists(Path.of(tool)), tool + " missing: scripts/setup-test-deps.sh installs it");
    }
    if (DockerLab.run(List.of(DockerLab.script("docker.sh"), "status")).exit() != 0) {
      Run docker = DockerLab.run(List.of(DockerLab.script("docker.sh"), "start"));
      assertEquals(0, docker.exit(), "SeedTopologyIT needs dockerd; scripts/docker.sh start: " + docker.output());
    }
    DockerLab.start(); // the registry and the base image
    labLock = FileChannel.open(Path.of("/tmp/cocaine-lab-seed.lock"), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE);
    await("the seed lab free of other runs of this test").atMost(Duration.ofMinutes(10))
        .pollInterval(Duration.ofSeconds(1)).until(() -> labLock.tryLock() != null);
    Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "seed-").toAbsolutePath();
    lab = new SeedLab("seed", "10.79.16", dir);
    lab.up();
    search = CompletableFuture.runAsync(() -> {
      try {
        lab.startSearch();
      } catch (Exception e) {
        throw new CompletionException(e);
      }
    });
    SeedLab.inParallel(List.<Callable<Void>>of(() -> zk(1), () -> zk(2), () -> zk(3)));

    Path data = Files.createDirectories(dir.resolve("builder"));
    key = dir.resolve("ape_key");
    SeedLab.assertOk(DockerLab.run(List.of("ssh-keygen", "-q", "-t", "ecdsa", "-N", "", "-C", "ape@seed", "-f",
        key.toString())), "ssh-keygen");
    Files.writeString(data.resolve("authorized_keys"), "apps=\"*\" " + GitPushScenario.publicKey(key) + "\n");
    List<RuntimeProcess> started = SeedLab.inParallel(List.<Callable<RuntimeProcess>>of(
        () -> lab.startNode("node1"), () -> lab.startNode("node2"), () -> lab.startNode("node3"),
        lab::startBalancer, () -> lab.startBuilder(data, DockerLab.REGISTRY)));
    for (int i = 0; i < 3; i++) {
      nodes.put(FIRST_NODES.get(i), started.get(i));
    }
    balancer = started.get(3);
    builder = started.get(4);
    await("the builder role starts").atMost(SeedLab.STARTUP)
        .until(() -> builder.output().matches("(?s).*role builder (ready|is off|failed).*"));
    assertTrue(builder.output().contains("role builder ready"), "the builder role did not start:\n" + builder.output());

    repo = Files.createDirectories(dir.resolve(APP));
    GitPushScenario.copyTree(GitPushScenario.APP, repo);
    Files.writeString(repo.resolve("Dockerfile"), "FROM " + DockerLab.BASE_IMAGE + "\nWORKDIR /app\nCOPY . /app/\n");
    Files.writeString(repo.resolve("cocaine.json"), SeedSteps.cocaineJson("1", false));
    SeedLab.assertOk(git("init", "-q", "-b", "main", "."), "git init");
    SeedLab.assertOk(git("add", "-A"), "git add");
    SeedLab.assertOk(git("commit", "-q", "-m", "the seed's app"), "git commit");
  }

  private Void zk(int id) throws Exception {
    lab.startZookeeper(id);
    return null;
  }

  @AfterAll
  void down() throws Exception {
    if (load != null && load.isAlive()) {
      load.destroyForcibly();
    }
    List<RuntimeProcess> all = new ArrayList<>(nodes.values());
    all.add(balancer);
    all.add(builder);
    for (RuntimeProcess p : all) {
      if (p != null) {
        p.close();
      }
    }
    if (lab != null) {
      if (search != null) {
        try {
          search.get(SeedLab.STARTUP.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
          // stopped below all the same
        }
        lab.stopSearch();
      }
      for (RuntimeProcess node : nodes.values()) {
        for (String id : DockerLab.nodeContainers(node.runDir().toAbsolutePath().normalize().toString(),
            true)) {
          DockerLab.docker("rm", "-f", id);
        }
      }
      for (int id = 1; id <= 3; id++) {
        DockerLab.run(List.of(SeedLab.SCRIPTS.resolve("zookeeper.sh").toString(), "stop",
            lab.dir.resolve("zk" + id).toString()));
      }
      lab.down();
    }
    if (labLock != null) {
      labLock.close();
    }
  }

  @Test
  @Order(1)
  void aPushedAppServesFromEveryNode() throws Exception {
    // the load runs from before the push: its client and the proxy's HTTP side are warm (refusals
    // of the unknown app, 503, until it is deployed: the warm-up, not counted)
    startLoad();
    Run push = push(APP);
    long pushed = System.currentTimeMillis();
    SeedLab.assertOk(push, "git push of " + APP);
    SeedLab.assertContains(push.output(), "remote: deployed '" + APP + "' version ");
    long serving = awaitServing(FIRST_NODES, APP, pushed);
    figures.add(new SeedLoadReport.Figure("git push returned -> every node serves it (3 nodes)", serving - pushed));
    // each node's first worker starts in its container while requests queue for it: the load's
    // answers are steady once every node has a worker up and then a run of answers succeeds
    await("a worker up on every node").atMost(CONVERGE).pollInterval(Duration.ofMillis(200))
        .until(() -> FIRST_NODES.stream().allMatch(h -> lab.activeWorkers(h, APP) > 0));
    long up = System.currentTimeMillis();
    long steady = up + ClusterIT.awaitServing(loadDir, "the load's answers are steady", up, CONVERGE);
    figures.add(new SeedLoadReport.Figure("git push returned -> the load's answers are steady", steady - pushed));
    steps.add(new SeedLoadReport.Step("0 warm-up: the proxy learns the app, first workers start", 0, steady,
        Integer.MAX_VALUE));
    steps.add(new SeedLoadReport.Step("1 the pushed app serves from node1..3", steady, Long.MAX_VALUE, 0));
    // the step lasts until each node has served a share of the load
    Map<String, Long> before = new LinkedHashMap<>();
    FIRST_NODES.forEach(h -> before.put(h, lab.accepted(h, APP)));
    await("each node serves " + RATE / 5 + " more requests of the load").atMost(CONVERGE)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> FIRST_NODES.stream().allMatch(h -> lab.accepted(h, APP) >= before.get(h) + RATE / 5));
  }

  /**
   * Step 2: a second push is a rolling update, then {@code cocaine app rollback}, then {@code git
   * push -o canary=20} whose split through the proxy is 20% +- 2 pt over 5,000 requests, then {@code
   * cocaine app promote}; no request of the load fails.
   */
  @Test
  @Order(2)
  void rollingUpdateRollbackCanaryAndPromoteLoseNoRequest() throws Exception {
    SeedSteps.rollingUpdateRollbackCanaryAndPromote(this);
  }

  /** Step 3: a push whose health event fails is rolled back automatically; the old version serves throughout. */
  @Test
  @Order(3)
  void aVersionWhoseHealthEventFailsIsRolledBackAndTheOldOneServesThroughout() throws Exception {
    SeedSteps.healthGateRollsBack(this);
  }

  @Test
  @Order(4)
  void aKilledNodeConvergesBackAfterItsRestart() throws Exception {
    long killed = System.currentTimeMillis();
    // the step before keeps what was done before the kill; what was in flight at it belongs to this step
    assertTrue(!steps.isEmpty() && steps.get(steps.size() - 1).toMs() == Long.MAX_VALUE, "step 3 did not run");
    SeedLoadReport.Step before = steps.remove(steps.size() - 1);
    steps.add(new SeedLoadReport.Step(before.name(), before.fromMs(), killed, 0, killed, before.maxFailed()));
    RuntimeProcess node2 = nodes.get("node2");
    node2.kill9();
    long dead = System.currentTimeMillis();
    // the others take the load while node2 is down
    long othersBefore = lab.accepted("node1", APP) + lab.accepted("node3", APP);
    await("node1 and node3 serve while node2 is down").atMost(CONVERGE).pollInterval(Duration.ofMillis(250))
        .until(() -> lab.accepted("node1", APP) + lab.accepted("node3", APP) > othersBefore + RATE);
    long restarted = System.currentTimeMillis();
    nodes.put("node2", SeedLab.restartNode(node2));
    long serving = awaitServing(List.of("node2"), APP, restarted);
    figures.add(new SeedLoadReport.Figure("kill -9 node2, restart -> node2 serves again (after the restart)",
        serving - restarted));
    // only requests in flight on node2 when it died may fail: those the proxy had sent on its
    // connections to node2 before it saw them close (the balancer withdraws node2 as its link drops)
    long seen = dead + IN_FLIGHT_AT_KILL.toMillis();
    steps.add(new SeedLoadReport.Step("4 kill -9 of node2's runtime: in flight at the kill", before.fromMs(), seen, killed,
        Long.MAX_VALUE, Integer.MAX_VALUE));
    steps.add(new SeedLoadReport.Step("4 node2 down, restarted, converges back", seen, Long.MAX_VALUE, 0));
  }

  @Test
  @Order(5)
  void aJoiningNodeStartsTheClusterAppsAndTakesTraffic() throws Exception {
    closeStep();
    long joined = System.currentTimeMillis();
    steps.add(new SeedLoadReport.Step("5 node4 joins and takes traffic", joined, Long.MAX_VALUE, 0));
    nodes.put("node4", lab.startNode("node4"));
    long serving = awaitServing(List.of("node4"), APP, joined);
    figures.add(new SeedLoadReport.Figure("node4 started -> node4 serves the cluster's app", serving - joined));
    SeedRemoteResolve.anAppOfNode1AnswersThroughNode3sLocator(this);
  }

  @Test
  @Order(6)
  void zookeeperLostServerAndLostEnsemble() throws Exception {
    closeStep();
    steps.add(new SeedLoadReport.Step("6 one ZooKeeper server lost, then the ensemble", System.currentTimeMillis(),
        Long.MAX_VALUE, 0));
    List<String> all = new ArrayList<>(nodes.keySet());
    lab.zookeeper("kill", 1);
    awaitServing(all, APP, System.currentTimeMillis());

    lab.zookeeper("kill", 2);
    lab.zookeeper("kill", 3);
    long outage = System.currentTimeMillis();
    Run refused = push(OTHER);
    figures.add(new SeedLoadReport.Figure("deploy during the whole ensemble's outage: refused after",
        System.currentTimeMillis() - outage));
    assertNotEquals(0, refused.exit(), "a deploy with no ZooKeeper must fail:\n" + refused.output());
    SeedLab.assertContains(refused.output(), "FAILED at step", "storage unavailable: ZooKeeper at " + lab.zookeeper()
        + " cannot be reached", "[remote rejected] main -> main");
    System.out.println("SeedTopologyIT: the deploy during the outage said:\n" + refused.output());
    awaitServing(all, APP, outage);

    long back = System.currentTimeMillis();
    SeedLab.inParallel(List.<Callable<Void>>of(() -> zk(1), () -> zk(2), () -> zk(3)));
    // a member answers before the ensemble has a quorum: the storage of the node the builder uses tells
    await("node1's storage reaches the ensemble again").atMost(CONVERGE).pollInterval(Duration.ofMillis(500))
        .until(() -> lab.cli("node1", "storage", "read", "converged", "node1").exit() == 0);
    Run deployed = push(OTHER);
    SeedLab.assertOk(deployed, "the deploy after the outage");
    long reached = awaitServing(all, OTHER, back);
    figures.add(new SeedLoadReport.Figure("ensemble back -> a new deploy serves from all 4 nodes", reached - back));
  }

  /**
   * Step 7: {@code cocaine logs -f --app NAME --url http://LOGS:9201} run on the client host prints
   * lines of the app from every node, read from the one OpenSearch of the {@code logs} host that all
   * nodes ship to. The app's own lines: each http-echo worker writes one at its start through the
   * node's logging service (source {@code app/NAME}), and the node names itself in each line. The
   * follow runs as a stream until every node's line arrived, then is stopped as Ctrl-C would.
   */
  @Test
  @Order(7)
  void logsOfTheAppComeFromEveryNode() throws Exception {
    closeStep();
    steps.add(new SeedLoadReport.Step("7 logs of the app from every node", System.currentTimeMillis(), Long.MAX_VALUE, 0));
    search.get(SeedLab.STARTUP.toSeconds(), TimeUnit.SECONDS);
    Process follow = new ProcessBuilder("ip", "netns", "exec", lab.ns("client"),
        RuntimeProcess.HOME.resolve("bin/cocaine").toString(), "logs", "-f", "--app", APP, "--since", "1h", "--url",
        lab.searchUrl()).redirectError(lab.dir.resolve("logs-follow.err").toFile()).start();
    List<String> lines = new CopyOnWriteArrayList<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader out = new BufferedReader(new InputStreamReader(follow.getInputStream(),
          StandardCharsets.UTF_8))) {
        for (String line = out.readLine(); line != null; line = out.readLine()) {
          lines.add(line);
        }
      } catch (IOException e) {
        // the process was stopped
      }
    }, "seed-logs-follow");
    reader.start();
    long started = System.currentTimeMillis();
    try {
      try {
        await("cocaine logs -f --app " + APP + " shows a worker's start from " + nodes.keySet()).atMost(CONVERGE)
            .pollInterval(Duration.ofMillis(500))
            .until(() -> !follow.isAlive() || nodes.keySet().stream().allMatch(n -> workerStarted(lines, n)));
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        throw new AssertionError("cocaine logs -f --app " + APP + " showed no worker start from "
            + nodes.keySet().stream().filter(n -> !workerStarted(lines, n)).toList() + " within " + CONVERGE
            + "; its " + lines.size() + " lines:\n" + String.join("\n", lines) + "\nits stderr:\n"
            + Files.readString(lab.dir.resolve("logs-follow.err")) + "\n(a worker writes its lines through its node's"
            + " locator, from its container on the host's docker0: one that cannot reach the node's lab address"
            + " prints them on its stderr instead; scripts/seed-lab.sh masquerades that path)", e);
      }
      if (!follow.isAlive()) {
        throw new AssertionError("cocaine logs -f exited " + follow.exitValue() + ":\n" + String.join("\n", lines)
            + "\n" + Files.readString(lab.dir.resolve("logs-follow.err")));
      }
      figures.add(new SeedLoadReport.Figure("cocaine logs -f started -> a line of the app from each of "
          + nodes.size() + " nodes", System.currentTimeMillis() - started));
    } finally {
      follow.destroy(); // SIGTERM: its Ctrl-C path
      if (!follow.waitFor(10, TimeUnit.SECONDS)) {
        follow.destroyForcibly();
      }
      reader.join(5_000);
    }
    for (String node : nodes.keySet()) {
      assertTrue(workerStarted(lines, node), node + " in:\n" + String.join("\n", lines));
    }
    System.out.println("SeedTopologyIT: cocaine logs -f --app " + APP + " printed " + lines.size() + " lines, e.g.:\n"
        + String.join("\n", nodes.keySet().stream().map(n -> lines.stream().filter(l -> l.contains("] " + n + ": "))
            .findFirst().orElse("-")).toList()));
    assertTrue(lines.stream().allMatch(l -> l.contains(" [app/" + APP)), "only lines of " + APP + ":\n"
        + String.join("\n", lines));
  }

  /** A line of cocaine logs' text form: {@code <time> INFO [app/NAME] <node>: worker started: version ...}. */
  private static boolean workerStarted(List<String> lines, String node) {
    return lines.stream().anyMatch(l -> l.contains(" [app/" + APP + "] " + node + ": worker started: version "));
  }

  @Test
  @Order(99)
  void everyRequestOfTheLoadGotExactlyOneAnswer() throws Exception {
    closeStep();
    assertTrue(load != null, "the load never started (step 1 failed)");
    load.getOutputStream().close(); // it stops sending, waits out its deadlines and writes its summary
    assertTrue(load.waitFor(REQUEST_TIMEOUT.toSeconds() + 30, TimeUnit.SECONDS), "the load did not stop");
    String report = SeedLoadReport.write(loadDir, steps, figures, RATE);
    System.out.println(report);
    Files.writeString(RuntimeProcess.HOME.resolve("it-tests/target/seed-figures.txt"), report);
    SeedLoadReport.assertSteps(loadDir, steps, report);
  }

  /** Ends the step that runs and starts the next one, whose requests may not fail. */
  void beginStep(String name) {
    closeStep();
    steps.add(new SeedLoadReport.Step(name, System.currentTimeMillis(), Long.MAX_VALUE, 0));
  }

  /** Ends the step that runs (its window closes now). */
  private void closeStep() {
    if (!steps.isEmpty() && steps.get(steps.size() - 1).toMs() == Long.MAX_VALUE) {
      SeedLoadReport.Step last = steps.remove(steps.size() - 1);
      steps.add(new SeedLoadReport.Step(last.name(), last.fromMs(), System.currentTimeMillis(), last.doneFromMs(),
          last.doneToMs(), last.maxFailed()));
    }
  }

  /**
   * Waits until {@code app}'s counter rises on each of {@code hosts} (the load or, for an app the load
   * does not call, curl from the client) and returns when the last one did.
   */
  long awaitServing(List<String> hosts, String app, long sinceMs) {
    Map<String, Long> before = new LinkedHashMap<>();
    hosts.forEach(h -> before.put(h, lab.accepted(h, app)));
    await(app + " serves from " + hosts).atMost(CONVERGE).pollInterval(Duration.ofMillis(200)).until(() -> {
      if (!app.equals(APP)) {
        lab.inNamespace("client", List.of("curl", "-sS", "-m", "5", "-d", "hi",
            "http://" + lab.address("lb") + ":" + SeedLab.PROXY_PORT + "/" + app + "/echo"));
      }
      return hosts.stream().allMatch(h -> lab.accepted(h, app) > Math.max(0, before.get(h)));
    });
    return System.currentTimeMillis();
  }

  void startLoad() throws Exception {
    loadDir = Files.createDirectories(lab.dir.resolve("load"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    load = new ProcessBuilder("ip", "netns", "exec", lab.ns("client"), java, "-Xmx96m", "-cp",
        System.getProperty("java.class.path"), ChaosLoad.class.getName(), loadDir.toString(),
        String.valueOf(SeedLab.LOCATOR_PORT), "http://" + lab.address("lb") + ":" + SeedLab.PROXY_PORT + "/" + APP
            + "/echo", String.valueOf(RATE), String.valueOf(REQUEST_TIMEOUT.toMillis()), "http")
        .redirectErrorStream(true).redirectOutput(loadDir.resolve("load.out").toFile()).start();
  }

  /** {@code git push [options] URL main} of {@code app} from the client host. */
  Run push(String app, String... options) throws Exception {
    List<String> command = new ArrayList<>(List.of("git", "push"));
    command.addAll(List.of(options));
    command.addAll(List.of("ssh://ape@" + lab.address("build") + ":" + SeedLab.SSH_PORT + "/" + app + ".git", "main"));
    return lab.inNamespace("client", command, repo, GitPushScenario.sshEnv(key));
  }

  Run git(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("git"));
    command.addAll(List.of(args));
    return DockerLab.run(command, repo, GitPushScenario.gitEnv());
  }
}
