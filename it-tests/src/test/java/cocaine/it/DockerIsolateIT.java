package cocaine.it;

import static cocaine.it.DockerLab.assertDocker;
import static cocaine.it.DockerLab.docker;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.it.DockerLab.Run;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 6's docker isolate against a real daemon ({@code scripts/docker.sh}) and registry
 * ({@code scripts/registry.sh}): the echo example is built FROM the local base image
 * ({@code scripts/base-image.sh}) and pushed; a node pulls it, answers {@code bin/cocaine call} from
 * a container, writes a crashlog and recovers when a container is killed from outside, and leaves no
 * container behind when the app stops; {@code cocaine app import} makes an existing image an app.
 * Skipped only when dockerd cannot start on this machine.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Tag("docker")
class DockerIsolateIT {
  static final Path HOME = RuntimeProcess.HOME;
  static final Path ECHO = HOME.resolve("examples/target/apps/echo");
  static final String REGISTRY = DockerLab.REGISTRY;
  static final String BASE_IMAGE = DockerLab.BASE_IMAGE;
  static final String REPOSITORY = "cocaine-it";
  /** A tag of this run only: the node cannot find the image on the daemon and must pull it. */
  static final String TAG = "it-" + UUID.randomUUID().toString().substring(0, 8);
  static final String IMAGE = REGISTRY + "/" + REPOSITORY + "/echo:" + TAG;
  static final String LOCAL_IMAGE = "cocaine-it-local/echo-entrypoint:" + TAG;
  static final String IMPORTED_IMAGE = REGISTRY + "/" + REPOSITORY + "/echo-imported:" + TAG;
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  @TempDir
  static Path dir;
  static DockerLab.Started lab;
  static RuntimeProcess runtime;
  static String nodeLabel;

  @BeforeAll
  static void start() throws Exception {
    lab = DockerLab.start();
    // the Dockerfile from the source tree, the context from the packaged app (run.sh and lib/)
    assertDocker("build", "-q", "-f", HOME.resolve("examples/apps/echo/Dockerfile").toString(), "-t", IMAGE,
        ECHO.toString());
    assertDocker("push", IMAGE);
    assertDocker("rmi", IMAGE);

    // the locator and the services listen on every address, the bridge's gateway among them
    runtime = RuntimeProcess.start(dir.resolve("runtime"), "node", "cocaine.network.host = \"0.0.0.0\"");
    nodeLabel = runtime.runDir().toAbsolutePath().normalize().toString();
    assertCli(0, "uploaded", "app", "upload", "--manifest", ECHO.resolve("manifest.json").toString(), "--name", "echo");
    assertCli(0, "uploaded", "profile", "upload", "-n", "echo-docker", "-r", profile("\"registry\": \"" + REGISTRY
        + "\", \"repository\": \"" + REPOSITORY + "\", \"tag\": \"" + TAG + "\", \"memory_limit\": \"256m\""));
    assertCli(0, "started", "app", "start", "-n", "echo", "-r", "echo-docker");
  }

  @AfterAll
  static void stop() throws Exception {
    if (runtime != null) {
      runtime.close();
    }
    if (nodeLabel != null) {
      // whatever a failed test left: this run's containers and image
      for (String id : containers(true)) {
        docker("rm", "-f", id);
      }
      docker("rmi", IMAGE, LOCAL_IMAGE, IMPORTED_IMAGE);
    }
    if (lab != null) {
      lab.stop();
    }
  }

  @Test
  @Order(1)
  void callIsAnsweredByAWorkerInAContainer() throws Exception {
    RuntimeProcess.CliResult r = runtime.cli("call", "echo", "ping", "hello from a container");
    assertEquals(0, r.exit(), r.output());
    assertEquals("hello from a container", r.output());
    List<String> running = containers(false);
    assertFalse(running.isEmpty(), "a running container labelled with this node and app");
    String labels = docker("inspect", "-f", "{{index .Config.Labels \"cocaine.app\"}} {{.Config.Image}} "
        + "{{range .HostConfig.Binds}}{{.}}{{end}} {{.HostConfig.Memory}}", running.get(0)).output().strip();
    assertEquals("echo " + IMAGE + " " + nodeLabel + ":/var/run/cocaine:rw " + 256 * 1024 * 1024, labels);
  }

  @Test
  @Order(2)
  void aWorkerInAContainerResolvesStorageThroughItsLocatorAndReadsFromIt() throws Exception {
    // --locator 127.0.0.1 would be the container's own loopback: it gets the bridge's gateway
    String cmd = docker("inspect", "-f", "{{json .Config.Cmd}}", containers(false).get(0)).output();
    assertFalse(cmd.contains("127.0.0.1:"), cmd);
    RuntimeProcess.CliResult r = runtime.cli("call", "echo", "storage");
    assertEquals(0, r.exit(), r.output());
    assertTrue(r.output().matches("manifest of echo: \\d+ bytes"), r.output());
  }

  @Test
  @Order(2)
  void containerKilledFromOutsideLeavesACrashlogAndThePoolRecovers() throws Exception {
    assertEquals("warm", runtime.cli("call", "echo", "ping", "warm").output());
    String victim = containers(false).get(0);
    String uuid = docker("inspect", "-f", "{{index .Config.Labels \"cocaine.slot\"}}", victim).output().strip();
    assertDocker("kill", victim);

    await("crashlog of the killed worker").atMost(TIMEOUT).untilAsserted(() -> {
      RuntimeProcess.CliResult list = runtime.cli("crashlog", "list", "-n", "echo");
      assertEquals(0, list.exit(), list.output());
      assertTrue(list.output().contains(uuid), "crashlog of worker " + uuid + " in: " + list.output());
    });
    RuntimeProcess.CliResult view = runtime.cli("crashlog", "view", "-n", "echo");
    assertTrue(view.output().contains(uuid + " of app 'echo' connected"), "the container's output: " + view.output());
    await("the killed container is removed").atMost(TIMEOUT).until(() -> !containers(true).contains(victim));
    await("the pool answers again from a new container").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      RuntimeProcess.CliResult ping = runtime.cli("call", "echo", "ping", "still here");
      assertEquals("still here", ping.output());
    });
    List<String> now = containers(false);
    assertFalse(now.isEmpty());
    assertFalse(now.contains(victim));
  }

  @Test
  @Order(3)
  void badDockerProfilesAreRefusedWithTheFieldAndTheReason() throws Exception {
    for (String app : List.of("tiny", "typo", "missing")) {
      assertCli(0, "uploaded", "app", "upload", "--manifest", ECHO.resolve("manifest.json").toString(), "--name", app);
    }
    assertCli(0, "uploaded", "profile", "upload", "-n", "tiny", "-r", profile("\"memory_limit\": 1048576"));
    RuntimeProcess.CliResult tiny = runtime.cli("app", "start", "-n", "tiny", "-r", "tiny");
    assertNotEquals(0, tiny.exit(), tiny.output());
    assertTrue(tiny.output().contains("isolate.args.memory_limit") && tiny.output().contains("6 MB"), tiny.output());

    // an arg the isolate does not read is ignored with a warning, as the original did (docs/protocol.md 4.3)
    assertCli(0, "warning: profile 'typo': unknown arg 'isolate.args.memroy_limit' of the docker isolate is ignored"
        + " (did you mean 'memory_limit'?)", "profile", "upload", "-n", "typo", "-r", profile("\"memroy_limit\": 1048576"));
    RuntimeProcess.CliResult typo = runtime.cli("app", "start", "-n", "typo", "-r", "typo");
    assertNotEquals(0, typo.exit(), typo.output());
    assertTrue(typo.output().contains("image 'typo:latest' is not on the Docker daemon"),
        "the start goes past the ignored arg: " + typo.output());

    assertCli(0, "uploaded", "profile", "upload", "-n", "local", "-r", profile("\"tag\": \"no-such-tag\""));
    RuntimeProcess.CliResult missing = runtime.cli("app", "start", "-n", "missing", "-r", "local");
    assertNotEquals(0, missing.exit(), missing.output());
    assertTrue(missing.output().contains("image 'missing:no-such-tag' is not on the Docker daemon"), missing.output());
  }

  @Test
  @Order(4)
  void stoppedAppLeavesNoContainer() throws Exception {
    assertFalse(containers(true).isEmpty());
    assertCli(0, "stopped", "app", "stop", "-n", "echo");
    await("no container of this node left").atMost(TIMEOUT).until(() -> containers(true).isEmpty());
  }

  @Test
  @Order(5)
  void importedImageWithAnEntrypointRunsAsAnApp() throws Exception {
    // an image made elsewhere: the echo image with its launcher as ENTRYPOINT, only on this daemon
    Path context = java.nio.file.Files.createDirectories(dir.resolve("imported"));
    java.nio.file.Files.writeString(context.resolve("Dockerfile"), "FROM " + IMAGE + "\nENTRYPOINT [\"/app/run.sh\"]\n");
    assertDocker("build", "-q", "-t", LOCAL_IMAGE, context.toString());

    RuntimeProcess.CliResult imported = runtime.cli("app", "import", LOCAL_IMAGE, "-n", "echo-imported",
        "--registry", REGISTRY, "--repository", REPOSITORY, "--tag", TAG);
    assertEquals(0, imported.exit(), imported.output());
    assertTrue(imported.output().contains("app 'echo-imported' imported as " + IMPORTED_IMAGE + " (slave /app/run.sh)"),
        imported.output());
    assertDocker("rmi", IMPORTED_IMAGE); // the node must pull what was pushed

    assertCli(0, "uploaded", "profile", "upload", "-n", "imported", "-r", profile("\"registry\": \"" + REGISTRY
        + "\", \"repository\": \"" + REPOSITORY + "\", \"tag\": \"" + TAG + "\""));
    assertCli(0, "started", "app", "start", "-n", "echo-imported", "-r", "imported");
    RuntimeProcess.CliResult r = runtime.cli("call", "echo-imported", "ping", "imported");
    assertEquals("imported", r.output());
    assertCli(0, "stopped", "app", "stop", "-n", "echo-imported");
    await("no container of this node left").atMost(TIMEOUT).until(() -> containers(true).isEmpty());
  }

  private static String profile(String isolateArgs) {
    return "{\"pool-limit\": 2, \"spawn-timeout\": 20, \"handshake-timeout\": 30, \"terminate-timeout\": 5,"
        + " \"crashlog-limit\": 50, \"isolate\": {\"type\": \"docker\", \"args\": {" + isolateArgs + "}}}";
  }

  /** This node's containers (running only, or all). */
  private static List<String> containers(boolean all) throws Exception {
    return DockerLab.nodeContainers(nodeLabel, all);
  }

  private static void assertCli(int exit, String expected, String... args) throws Exception {
    RuntimeProcess.CliResult r = runtime.cli(args);
    assertEquals(exit, r.exit(), List.of(args) + ": " + r.output());
    assertTrue(r.output().contains(expected), List.of(args) + ": " + r.output());
  }
}
