package cocaine.it;

import static cocaine.it.DockerLab.docker;
import static cocaine.it.DockerLab.run;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.it.DockerLab.Run;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 6's builder role with the real clients: {@code git push} over {@code ssh} of the packaged
 * {@code http-echo} example (a Dockerfile FROM the local base image) to a runtime started with
 * {@code --role all}; {@code curl} through the proxy then answers from a container. A broken
 * Dockerfile, a tree without one and an unknown key are refused with the reason in the git output,
 * and the running version keeps answering. Skipped only when dockerd cannot start on this machine.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Tag("docker")
@Tag("git-ssh")
class GitPushDeployIT {
  static final Path HOME = RuntimeProcess.HOME;
  static final Path APP = HOME.resolve("examples/target/apps/http-echo");
  static final String REGISTRY = DockerLab.REGISTRY;
  static final String BASE_IMAGE = DockerLab.BASE_IMAGE;
  static final Duration TIMEOUT = Duration.ofSeconds(60);

  @TempDir
  static Path dir;
  static DockerLab.Started lab;
  static RuntimeProcess runtime;
  static String nodeLabel;
  static int sshPort;
  static Path repo;
  static Path key;
  static String deployedVersion;

  @BeforeAll
  static void start() throws Exception {
    lab = DockerLab.start();

    Path data = Files.createDirectories(dir.resolve("builder"));
    key = dir.resolve("ape_key");
    assertOk(run(List.of("ssh-keygen", "-q", "-t", "ecdsa", "-N", "", "-C", "ape@it", "-f", key.toString())));
    Files.copy(dir.resolve("ape_key.pub"), data.resolve("authorized_keys"));
    sshPort = RuntimeProcess.freePort();
    runtime = RuntimeProcess.start(dir.resolve("runtime"), "all",
        "cocaine.builder { port = " + sshPort + ", data = \"" + data + "\", registry = \"" + REGISTRY + "\" }");
    nodeLabel = dir.resolve("runtime").resolve("run").toAbsolutePath().normalize().toString();
    // the role ends ready, off or failed; which one, and why, is in the runtime's output
    try {
      await("the builder role starts").atMost(Duration.ofSeconds(120))
          .until(() -> runtime.output().matches("(?s).*role builder (ready|is off|failed).*"));
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("the builder role neither started nor failed within 120 s; the runtime's output:\n"
          + runtime.output(), e);
    }
    assertTrue(runtime.output().contains("role builder ready"), "the builder role did not start:\n" + runtime.output());

    // the developer's working copy: the packaged app, its Dockerfile and cocaine.json
    repo = Files.createDirectories(dir.resolve("http-echo"));
    copyTree(APP, repo);
    Files.writeString(repo.resolve("Dockerfile"), "FROM " + BASE_IMAGE + "\nWORKDIR /app\nCOPY . /app/\n");
    Files.writeString(repo.resolve("cocaine.json"), "{\"manifest\": {\"slave\": \"/app/run.sh\"},"
        + " \"profile\": {\"pool-limit\": 2, \"handshake-timeout\": 30}}\n");
    assertOk(git("init", "-q", "-b", "main", "."));
    commit("the http-echo example");
  }

  @AfterAll
  static void stop() throws Exception {
    if (runtime != null) {
      runtime.close();
    }
    if (nodeLabel != null) {
      for (String id : containers(true)) {
        docker("rm", "-f", id);
      }
    }
    if (lab != null) {
      lab.stop();
    }
  }

  @Test
  @Order(1)
  void pushBuildsPushesStartsAndTheProxyAnswersFromAContainer() throws Exception {
    String version = head();
    Run push = push(key);
    assertEquals(0, push.exit(), push.output());
    String image = REGISTRY + "/http-echo:" + version;
    for (String step : List.of("remote: check:", "remote: Step 3/3 : COPY . /app/", "remote: push: ",
        "remote: store: ", "remote: start: app 'http-echo' runs version " + version,
        "remote: deployed 'http-echo' version " + version + " as " + image, "* [new branch]      main -> main")) {
      assertTrue(push.output().contains(step), "'" + step + "' in:\n" + push.output());
    }
    assertEquals("hello from git", curl("hello from git"));
    assertTrue(runningImages().contains(image), "a container of " + image + ": " + runningImages());
    deployedVersion = version;
  }

  @Test
  @Order(2)
  void brokenDockerfileFailsWithTheBuildErrorAndTheOldVersionKeepsAnswering() throws Exception {
    Files.writeString(repo.resolve("Dockerfile"), "RUN no-such-command-in-the-image\n", StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.APPEND);
    commit("a step that fails");
    Run push = push(key);
    assertNotEquals(0, push.exit(), push.output());
    assertTrue(push.output().contains("no-such-command-in-the-image: not found"), push.output());
    assertTrue(push.output().contains("FAILED at step build: building " + REGISTRY + "/http-echo:" + head()
        + " failed: The command '/bin/sh -c no-such-command-in-the-image' returned a non-zero code"), push.output());
    assertTrue(push.output().contains("[remote rejected] main -> main (deploy failed at build)"), push.output());
    assertEquals("still the old one", curl("still the old one"));
    assertTrue(runningImages().stream().allMatch(i -> i.endsWith(":" + deployedVersion)), runningImages().toString());
  }

  @Test
  @Order(3)
  void pushWithoutDockerfileFailsClearly() throws Exception {
    assertOk(git("rm", "-q", "Dockerfile"));
    commit("no Dockerfile");
    Run push = push(key);
    assertNotEquals(0, push.exit(), push.output());
    assertTrue(push.output().contains("FAILED at step check: no Dockerfile at the top of commit " + head()
        + " of http-echo.git"), push.output());
    assertTrue(push.output().contains("[remote rejected] main -> main (deploy failed at check)"), push.output());
    assertEquals("no Dockerfile, no change", curl("no Dockerfile, no change"));
  }

  @Test
  @Order(4)
  void unknownKeyIsRefused() throws Exception {
    Path stranger = dir.resolve("stranger_key");
    assertOk(run(List.of("ssh-keygen", "-q", "-t", "ecdsa", "-N", "", "-f", stranger.toString())));
    Files.writeString(repo.resolve("Dockerfile"), "FROM " + BASE_IMAGE + "\nWORKDIR /app\nCOPY . /app/\n");
    assertOk(git("add", "Dockerfile"));
    commit("the Dockerfile again");
    Run push = push(stranger);
    assertNotEquals(0, push.exit(), push.output());
    assertTrue(push.output().contains("ape@127.0.0.1: Permission denied (publickey)"), push.output());
    assertFalse(push.output().contains("remote: check:"), push.output());
  }

  @Test
  @Order(5)
  void nextPushRestartsTheAppOnTheNewVersion() throws Exception {
    String version = head();
    Run push = push(key);
    assertEquals(0, push.exit(), push.output());
    assertTrue(push.output().contains("remote: start: stopping the running version of 'http-echo'"), push.output());
    assertTrue(push.output().contains("remote: deployed 'http-echo' version " + version), push.output());
    await("the new version answers").atMost(TIMEOUT).untilAsserted(() -> {
      assertEquals("new version", curl("new version"));
      assertEquals(List.of(REGISTRY + "/http-echo:" + version), runningImages().stream().distinct().toList());
    });
  }

  @Test
  @Order(6)
  void cliDeployRunsTheSamePipelineFromADirectory() throws Exception {
    RuntimeProcess.CliResult deployed = runtime.cli("app", "deploy", repo.toString(), "--name", "http-echo-cli",
        "--version", "cli-1", "--registry", REGISTRY);
    assertEquals(0, deployed.exit(), deployed.output());
    for (String step : List.of("check: directory " + repo, "Step 3/3 : COPY . /app/", "push: ",
        "start: app 'http-echo-cli' runs version cli-1", "deployed 'http-echo-cli' version cli-1 as " + REGISTRY
            + "/http-echo-cli:cli-1")) {
      assertTrue(deployed.output().contains(step), "'" + step + "' in:\n" + deployed.output());
    }
    assertEquals("from the cli", curl("http-echo-cli", "from the cli"));

    Files.delete(repo.resolve("Dockerfile"));
    RuntimeProcess.CliResult refused = runtime.cli("app", "deploy", repo.toString(), "--name", "http-echo-cli");
    assertEquals(1, refused.exit(), refused.output());
    assertTrue(refused.output().contains("deploy of 'http-echo-cli' failed at step check: no Dockerfile at the top of"
        + " directory " + repo), refused.output());
    assertEquals("still deployed", curl("http-echo-cli", "still deployed"));
  }

  private static Run push(Path identity) throws Exception {
    Map<String, String> env = new HashMap<>(gitEnv());
    env.put("GIT_SSH_COMMAND", "ssh -i " + identity + " -o IdentitiesOnly=yes -o StrictHostKeyChecking=no"
        + " -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes");
    List<String> command = List.of("git", "push", "ssh://ape@127.0.0.1:" + sshPort + "/http-echo.git", "main");
    return run(command, repo, env);
  }

  /** POSTs body to the app's echo event through the proxy with curl; the app answers with the body. */
  private static String curl(String body) throws Exception {
    return curl("http-echo", body);
  }

  private static String curl(String app, String body) throws Exception {
    List<String> command = List.of("curl", "-sS", "-m", "30", "--data-binary", body,
        "http://127.0.0.1:" + runtime.proxyPort() + "/" + app + "/echo");
    String[] answer = new String[1];
    // the first request after a start waits for a worker to spawn in a container
    await("curl through the proxy").atMost(TIMEOUT).untilAsserted(() -> {
      Run r = run(command);
      assertEquals(0, r.exit(), r.output());
      assertEquals(body, r.output());
      answer[0] = r.output();
    });
    return answer[0];
  }

  private static String head() throws Exception {
    Run r = git("rev-parse", "--short=7", "HEAD");
    assertOk(r);
    return r.output().strip();
  }

  private static void commit(String message) throws Exception {
    assertOk(git("add", "-A"));
    assertOk(git("commit", "-q", "-m", message));
  }

  private static Run git(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("git"));
    command.addAll(List.of(args));
    return run(command, repo, gitEnv());
  }

  private static Map<String, String> gitEnv() {
    return Map.of("GIT_AUTHOR_NAME", "it", "GIT_AUTHOR_EMAIL", "it@example.com", "GIT_COMMITTER_NAME", "it",
        "GIT_COMMITTER_EMAIL", "it@example.com", "GIT_CONFIG_NOSYSTEM", "1", "GIT_CONFIG_GLOBAL", "/dev/null");
  }

  /** Images of this node's running containers. */
  private static List<String> runningImages() throws Exception {
    List<String> images = new ArrayList<>();
    for (String id : containers(false)) {
      images.add(docker("inspect", "-f", "{{.Config.Image}}", id).output().strip());
    }
    return images;
  }

  /** This node's containers (running only, or all). */
  private static List<String> containers(boolean all) throws Exception {
    return DockerLab.nodeContainers(nodeLabel, all);
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path p : walk.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

  private static void assertOk(Run r) {
    assertEquals(0, r.exit(), r.output());
  }
}
