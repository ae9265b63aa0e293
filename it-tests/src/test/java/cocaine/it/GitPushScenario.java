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
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 6's builder role with the real clients: {@code git push} over {@code ssh} of the packaged
 * {@code http-echo} example (a Dockerfile FROM the local base image) to a runtime started with
 * {@code --role all}; {@code curl} through the proxy then answers from a container. A broken
 * Dockerfile, a tree without one and an unknown key are refused with the reason in the git output,
 * and the running version keeps answering. Issue 18: the push key may push (and clone) only the app
 * its {@code apps} option names, a push past {@code max-push-size} is cut off, both before anything
 * is built or stored; with an access token the builder and {@code cocaine app deploy} send it.
 * {@link GitPushDeployIT} runs it without and with a token. Skipped only when dockerd cannot start
 * on this machine.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class GitPushScenario {
  static final Path HOME = RuntimeProcess.HOME;
  static final Path APP = HOME.resolve("examples/target/apps/http-echo");
  static final String REGISTRY = DockerLab.REGISTRY;
  static final String BASE_IMAGE = DockerLab.BASE_IMAGE;
  static final Duration TIMEOUT = Duration.ofSeconds(60);
  static final String MAX_PUSH = "4MiB";

  /** The runtime's access token; empty = access control off. */
  private final String token;
  Path dir;
  DockerLab.Started lab;
  RuntimeProcess runtime;
  String nodeLabel;
  int sshPort;
  Path data;
  Path repo;
  Path key;
  Path webKey;
  String deployedVersion;

  GitPushScenario(String token) {
    this.token = token;
  }

  @BeforeAll
  void start(@TempDir Path tmp) throws Exception {
    dir = tmp;
    lab = DockerLab.start();

    data = Files.createDirectories(dir.resolve("builder"));
    key = newKey("ape_key", "ape@it");
    webKey = newKey("web_key", "web@it");
    Files.writeString(data.resolve("authorized_keys"), "apps=\"http-echo\" " + publicKey(key) + "\n"
        + "apps=\"web\" " + publicKey(webKey) + "\n");
    sshPort = RuntimeProcess.freePort();
    String security = "";
    if (!token.isEmpty()) {
      Path tokenFile = dir.resolve("token");
      Files.writeString(tokenFile, token + "\n");
      Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
      security = "cocaine.security.token-file = \"" + tokenFile + "\"\n";
    }
    runtime = RuntimeProcess.start(dir.resolve("runtime"), "all", security + "cocaine.builder { port = " + sshPort
        + ", data = \"" + data + "\", registry = \"" + REGISTRY + "\", max-push-size = " + MAX_PUSH + " }");
    nodeLabel = runtime.runDir().toAbsolutePath().normalize().toString();
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
  void stop() throws Exception {
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
    Path stranger = newKey("stranger_key", "stranger@it");
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
  void keyMayNotPushAnotherAppNothingIsBuiltOrStored() throws Exception {
    Run push = push(key, "other-app");
    assertNotEquals(0, push.exit(), push.output());
    assertTrue(push.output().contains("fatal: remote error: builder: key " + fingerprint(key) + " (ape@it) may not"
        + " push 'other-app': its authorized_keys entry allows apps=\"http-echo\" only"), push.output());
    assertFalse(push.output().contains("remote: check:"), push.output());
    assertFalse(Files.exists(data.resolve("repos/other-app.git")), "a repository of the refused push");
    assertEquals("", docker("images", "-q", REGISTRY + "/other-app").output().strip(), "an image of the refused push");
    RuntimeProcess.CliResult manifest = runtime.cli(tokenEnv(), "storage", "read", "manifests", "other-app");
    assertEquals(1, manifest.exit(), manifest.output());
    assertTrue(manifest.output().contains("error [12, 2]"), manifest.output());
    assertEquals("the app is untouched", curl("the app is untouched"));
  }

  @Test
  @Order(6)
  void keyOfAnotherAppMayNotCloneThisOne() throws Exception {
    Path refusedCopy = dir.resolve("clone-by-web-key");
    Run refused = run(List.of("git", "clone", "-q", url("http-echo"), refusedCopy.toString()), dir, sshEnv(webKey));
    assertNotEquals(0, refused.exit(), refused.output());
    assertTrue(refused.output().contains("fatal: remote error: builder: key " + fingerprint(webKey) + " (web@it) may"
        + " not fetch 'http-echo': its authorized_keys entry allows apps=\"web\" only"), refused.output());
    Path copy = dir.resolve("clone-by-ape-key");
    Run cloned = run(List.of("git", "clone", "-q", url("http-echo"), copy.toString()), dir, sshEnv(key));
    assertEquals(0, cloned.exit(), cloned.output());
    Run main = run(List.of("git", "-C", copy.toString(), "rev-parse", "--short=7", "origin/main"));
    assertEquals(deployedVersion, main.output().strip(), "the deployed commit in the clone");
  }

  @Test
  @Order(7)
  void pushPastTheSizeLimitIsRefusedWithItsSizeAndSettingAndNothingChanges() throws Exception {
    Random random = new Random(18);
    for (int i = 0; i < 6; i++) { // 6 MiB that does not compress, in files below the limit
      byte[] noise = new byte[1024 * 1024];
      random.nextBytes(noise);
      Files.write(repo.resolve("noise-" + i + ".bin"), noise);
    }
    commit("6 MiB of noise");
    String version = head();
    Run push = push(key);
    assertNotEquals(0, push.exit(), push.output());
    assertTrue(push.output().contains("remote: builder: push of 'http-echo' refused: it is larger than the limit of"
        + " 4 MiB (cocaine.builder.max-push-size); nothing of it was kept"), push.output());
    assertFalse(push.output().contains("remote: check:"), push.output());
    assertNotEquals(0, docker("image", "inspect", REGISTRY + "/http-echo:" + version).exit(), "an image of " + version);
    Run remote = run(List.of("git", "ls-remote", url("http-echo"), "refs/heads/main"), dir, sshEnv(key));
    assertOk(remote);
    assertTrue(remote.output().startsWith(fullId(deployedVersion)), remote.output());
    assertEquals("too big, no change", curl("too big, no change"));
    assertTrue(runningImages().stream().allMatch(i -> i.endsWith(":" + deployedVersion)), runningImages().toString());
    assertOk(git("reset", "-q", "--hard", "HEAD~1"));
  }

  @Test
  @Order(8)
  void nextPushRestartsTheAppOnTheNewVersion() throws Exception {
    String version = head();
    Run push = push(key);
    assertEquals(0, push.exit(), push.output());
    // the version record and desired state move on; the node's convergence restarts the app on it
    assertTrue(push.output().contains("remote: release: 'http-echo' version 2 (" + REGISTRY + "/http-echo:" + version
        + ") is the cluster's desired state, replacing version 1"), push.output());
    assertTrue(push.output().contains("remote: deployed 'http-echo' version " + version), push.output());
    await("the new version answers").atMost(TIMEOUT).untilAsserted(() -> {
      assertEquals("new version", curl("new version"));
      assertEquals(List.of(REGISTRY + "/http-echo:" + version), runningImages().stream().distinct().toList());
    });
  }

  @Test
  @Order(9)
  void pushWithTheCanaryOptionRunsBothVersionsUntilPromote() throws Exception {
    String stable = runningImages().stream().distinct().findFirst().orElseThrow();
    Files.writeString(repo.resolve("canary.txt"), "a canary\n");
    commit("a canary");
    String version = head();
    Run refused = run(List.of("git", "push", "-o", "canary=120", url("http-echo"), "main"), repo, sshEnv(key));
    assertNotEquals(0, refused.exit(), refused.output());
    assertTrue(refused.output().contains("push option 'canary=120': the canary must be a percent of 1..99"),
        refused.output());
    Run push = run(List.of("git", "push", "-o", "canary=20", url("http-echo"), "main"), repo, sshEnv(key));
    assertEquals(0, push.exit(), push.output());
    assertTrue(push.output().contains("remote: release: 'http-echo' version 3 (" + REGISTRY + "/http-echo:" + version
        + ") is the cluster's canary at 20% beside version 2"), push.output());
    await("both versions run").atMost(TIMEOUT).untilAsserted(() -> assertEquals(java.util.Set.of(stable,
        REGISTRY + "/http-echo:" + version), java.util.Set.copyOf(runningImages())));
    RuntimeProcess.CliResult versions = runtime.cli(tokenEnv(), "app", "versions", "http-echo");
    assertTrue(versions.output().contains("canary 20%"), versions.output());

    RuntimeProcess.CliResult promoted = runtime.cli(tokenEnv(), "app", "promote", "http-echo");
    assertEquals(0, promoted.exit(), promoted.output());
    await("only the promoted version runs").atMost(TIMEOUT).untilAsserted(() -> assertEquals(
        List.of(REGISTRY + "/http-echo:" + version), runningImages().stream().distinct().toList()));
    assertEquals("promoted", curl("promoted"));
  }

  @Test
  @Order(10)
  void cliDeployRunsTheSamePipelineFromADirectory() throws Exception {
    if (!token.isEmpty()) {
      RuntimeProcess.CliResult refused = runtime.cli("app", "deploy", repo.toString(), "--name", "http-echo-cli",
          "--version", "cli-0", "--registry", REGISTRY);
      assertEquals(1, refused.exit(), refused.output());
      assertTrue(refused.output().contains("deploy of 'http-echo-cli' failed at step lease: ")
          && refused.output().contains("needs the access token"), refused.output());
    }
    RuntimeProcess.CliResult deployed = runtime.cli(tokenEnv(), "app", "deploy", repo.toString(), "--name",
        "http-echo-cli", "--version", "cli-1", "--registry", REGISTRY);
    assertEquals(0, deployed.exit(), deployed.output());
    for (String step : List.of("check: directory " + repo, "Step 3/3 : COPY . /app/", "push: ",
        "start: app 'http-echo-cli' runs version cli-1", "deployed 'http-echo-cli' version cli-1 as " + REGISTRY
            + "/http-echo-cli:cli-1")) {
      assertTrue(deployed.output().contains(step), "'" + step + "' in:\n" + deployed.output());
    }
    assertEquals("from the cli", curl("http-echo-cli", "from the cli"));

    // a version that does not run in time: the deploy fails at start and the cluster goes back to cli-1
    RuntimeProcess.CliResult late = runtime.cli(tokenEnv(), "app", "deploy", repo.toString(), "--name",
        "http-echo-cli", "--version", "cli-2", "--registry", REGISTRY, "--start-timeout", "1ms");
    assertEquals(1, late.exit(), late.output());
    assertTrue(late.output().contains("failed at step start: version 2 did not run within PT0.001S")
        && late.output().contains("start: back to version 1 on the cluster"), late.output());
    await("cli-1 runs again").atMost(TIMEOUT).untilAsserted(() -> {
      assertEquals("back to cli-1", curl("http-echo-cli", "back to cli-1"));
      assertEquals(List.of(REGISTRY + "/http-echo-cli:cli-1"),
          runningImages().stream().filter(i -> i.contains("/http-echo-cli:")).distinct().toList());
    });

    Files.delete(repo.resolve("Dockerfile"));
    RuntimeProcess.CliResult refused = runtime.cli(tokenEnv(), "app", "deploy", repo.toString(), "--name",
        "http-echo-cli");
    assertEquals(1, refused.exit(), refused.output());
    assertTrue(refused.output().contains("deploy of 'http-echo-cli' failed at step check: no Dockerfile at the top of"
        + " directory " + repo), refused.output());
    assertEquals("still deployed", curl("http-echo-cli", "still deployed"));
  }

  /** The CLI's environment: the token in {@code COCAINE_TOKEN} when the runtime has one. */
  private Map<String, String> tokenEnv() {
    return token.isEmpty() ? Map.of() : Map.of("COCAINE_TOKEN", token);
  }

  private Run push(Path identity) throws Exception {
    return push(identity, "http-echo");
  }

  private Run push(Path identity, String app) throws Exception {
    return run(List.of("git", "push", url(app), "main"), repo, sshEnv(identity));
  }

  private String url(String app) {
    return "ssh://ape@127.0.0.1:" + sshPort + "/" + app + ".git";
  }

  static Map<String, String> sshEnv(Path identity) {
    Map<String, String> env = new HashMap<>(gitEnv());
    env.put("GIT_SSH_COMMAND", "ssh -i " + identity + " -o IdentitiesOnly=yes -o StrictHostKeyChecking=no"
        + " -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes");
    return env;
  }

  private Path newKey(String file, String comment) throws Exception {
    Path k = dir.resolve(file);
    assertOk(run(List.of("ssh-keygen", "-q", "-t", "ecdsa", "-N", "", "-C", comment, "-f", k.toString())));
    return k;
  }

  static String publicKey(Path key) throws IOException {
    return Files.readString(Path.of(key + ".pub")).strip();
  }

  /** {@code SHA256:...} as ssh-keygen prints it. */
  private static String fingerprint(Path key) throws Exception {
    Run r = run(List.of("ssh-keygen", "-l", "-E", "sha256", "-f", key + ".pub"));
    assertOk(r);
    return r.output().split("\\s+")[1];
  }

  /** POSTs body to the app's echo event through the proxy with curl; the app answers with the body. */
  private String curl(String body) throws Exception {
    return curl("http-echo", body);
  }

  private String curl(String app, String body) throws Exception {
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

  private String head() throws Exception {
    Run r = git("rev-parse", "--short=7", "HEAD");
    assertOk(r);
    return r.output().strip();
  }

  private String fullId(String shortId) throws Exception {
    Run r = git("rev-parse", shortId);
    assertOk(r);
    return r.output().strip();
  }

  private void commit(String message) throws Exception {
    assertOk(git("add", "-A"));
    assertOk(git("commit", "-q", "-m", message));
  }

  private Run git(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("git"));
    command.addAll(List.of(args));
    return run(command, repo, gitEnv());
  }

  static Map<String, String> gitEnv() {
    return Map.of("GIT_AUTHOR_NAME", "it", "GIT_AUTHOR_EMAIL", "it@example.com", "GIT_COMMITTER_NAME", "it",
        "GIT_COMMITTER_EMAIL", "it@example.com", "GIT_CONFIG_NOSYSTEM", "1", "GIT_CONFIG_GLOBAL", "/dev/null");
  }

  /** Images of this node's running containers. */
  private List<String> runningImages() throws Exception {
    List<String> images = new ArrayList<>();
    for (String id : containers(false)) {
      images.add(docker("inspect", "-f", "{{.Config.Image}}", id).output().strip());
    }
    return images;
  }

  /** This node's containers (running only, or all). */
  private List<String> containers(boolean all) throws Exception {
    return DockerLab.nodeContainers(nodeLabel, all);
  }

  static void copyTree(Path from, Path to) throws IOException {
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
