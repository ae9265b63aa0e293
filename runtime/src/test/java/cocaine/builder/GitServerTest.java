package cocaine.builder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.config.BuilderSettings;
import cocaine.deploy.CallerToken;
import cocaine.deploy.DeployTarget;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The builder's SSH server with the real {@code git} and {@code ssh} clients, refusing before any
 * deploy: a key pushes and fetches only the apps of its {@code apps} option, a key without one
 * nothing (by default), and a push past the size limit is cut off with its reason. The deploy
 * target leads nowhere (no cluster, no Docker here): a push that gets past the checks fails at the lease step,
 * which shows that it got past them.
 */
@Tag("git-ssh")
class GitServerTest {
  static final Duration TIMEOUT = Duration.ofSeconds(60);
  static final DeployTarget NOWHERE = new DeployTarget("tcp://127.0.0.1:1", "127.0.0.1:5000", "127.0.0.1", 1,
      Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(15), CallerToken.NONE);

  @TempDir
  Path dir;
  Path data;
  Path keys;
  Path echoKey;
  Path webKey;
  Path unscopedKey;
  Path work;
  GitServer server;

  @BeforeEach
  void keysAndAWorkingCopy() throws Exception {
    data = Files.createDirectories(dir.resolve("builder"));
    echoKey = key("echo_key");
    webKey = key("web_key");
    unscopedKey = key("unscoped_key");
    keys = data.resolve("authorized_keys");
    Files.writeString(keys, "apps=\"echo\" " + pub(echoKey) + "\n"
        + "apps=\"web,api\" " + pub(webKey) + "\n"
        + pub(unscopedKey) + "\n");
    work = Files.createDirectories(dir.resolve("work"));
    Files.writeString(work.resolve("Dockerfile"), "FROM scratch\n");
    ok(git("init", "-q", "-b", "main", "."));
    ok(git("add", "-A"));
    ok(git("commit", "-q", "-m", "an app"));
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void scopedKeyPushesItsOwnAppAndIsRefusedAnotherBeforeAnythingIsReceived() throws Exception {
    start(256L * 1024 * 1024, false);
    Run own = push(echoKey, "echo");
    assertTrue(own.output().contains("remote: check: commit "), own.output());
    assertTrue(own.output().contains("FAILED at step lease"), own.output()); // the deploy ran: the cluster is nowhere

    Run other = push(echoKey, "web");
    assertNotEquals(0, other.exit(), other.output());
    assertTrue(other.output().contains("fatal: remote error: builder: key " + fingerprint(echoKey) + " (echo@test)"
        + " may not push 'web': its authorized_keys entry allows apps=\"echo\" only"), other.output());
    assertFalse(other.output().contains("remote: check:"), other.output());
    assertFalse(Files.exists(data.resolve("repos/web.git")), "a repository for the refused push");
  }

  @Test
  void keyFetchesOnlyTheAppsItMayPush() throws Exception {
    start(256L * 1024 * 1024, false);
    push(echoKey, "echo"); // creates echo.git (the deploy then fails, the objects stay)
    Run refused = git(webKey, "ls-remote", url("echo"));
    assertNotEquals(0, refused.exit(), refused.output());
    assertTrue(refused.output().contains("fatal: remote error: builder: key " + fingerprint(webKey) + " (web@test)"
        + " may not fetch 'echo': its authorized_keys entry allows apps=\"api,web\" only"), refused.output());
    Run allowed = git(echoKey, "ls-remote", url("echo"));
    assertEquals(0, allowed.exit(), allowed.output());
  }

  @Test
  void keyWithoutAppsOptionMayPushNothingAndIsToldHowToScopeIt() throws Exception {
    start(256L * 1024 * 1024, false);
    Run push = push(unscopedKey, "echo");
    assertNotEquals(0, push.exit(), push.output());
    assertTrue(push.output().contains("fatal: remote error: builder: key " + fingerprint(unscopedKey)
        + " (unscoped@test) may not push 'echo': its authorized_keys entry has no apps option; put apps=\"APP,...\""
        + " in front of the key to say which apps it may push (cocaine.builder.allow-unscoped-keys = true lets"
        + " entries without one push every app)"), push.output());
    assertFalse(Files.exists(data.resolve("repos/echo.git")));
  }

  @Test
  void operatorMayLetUnscopedKeysPushEveryApp() throws Exception {
    start(256L * 1024 * 1024, true);
    Run push = push(unscopedKey, "anything");
    assertTrue(push.output().contains("remote: check: commit "), push.output());
    Run scoped = push(echoKey, "anything");
    assertTrue(scoped.output().contains("may not push 'anything'"), scoped.output());
  }

  @Test
  void pushPastTheLimitIsCutOffWithItsReasonAndNothingIsKept() throws Exception {
    start(64 * 1024, false);
    Random random = new Random(7); // random bytes: the pack cannot compress them below the limit
    for (int i = 0; i < 8; i++) {
      byte[] noise = new byte[16 * 1024];
      random.nextBytes(noise);
      Files.write(work.resolve("part-" + i + ".bin"), noise);
    }
    ok(git("add", "-A"));
    ok(git("commit", "-q", "-m", "128 KiB in files of 16 KiB"));
    Run push = push(echoKey, "echo");
    assertNotEquals(0, push.exit(), push.output());
    assertTrue(push.output().contains("remote: builder: push of 'echo' refused: it is larger than the limit of 64 KiB"
        + " (cocaine.builder.max-push-size); nothing of it was kept"), push.output());
    assertFalse(push.output().contains("remote: check:"), push.output());
    assertNothingKept(data.resolve("repos/echo.git"));
  }

  @Test
  void fileThatWouldUnpackPastTheLimitIsRefusedTooNamingTheSetting() throws Exception {
    start(64 * 1024, false);
    Files.write(work.resolve("zeros.bin"), new byte[1024 * 1024]); // 1 MiB that compresses to a few KiB
    ok(git("add", "-A"));
    ok(git("commit", "-q", "-m", "a file that unpacks to 1 MiB"));
    Run push = push(echoKey, "echo");
    assertNotEquals(0, push.exit(), push.output());
    assertTrue(push.output().contains("remote: builder: push of 'echo' refused: it holds a file or object larger than"
        + " the limit of 64 KiB (cocaine.builder.max-push-size); nothing of it was kept"), push.output());
    assertNothingKept(data.resolve("repos/echo.git"));
  }

  private static void assertNothingKept(Path repo) throws IOException {
    try (Stream<Path> files = Files.walk(repo.resolve("objects"))) {
      assertEquals(List.of(), files.filter(Files::isRegularFile).toList(), "objects kept of the refused push");
    }
    assertFalse(Files.exists(repo.resolve("refs/heads/main")), "the branch of the refused push");
  }

  private void start(long maxPushBytes, boolean allowUnscoped) throws IOException {
    BuilderSettings settings = new BuilderSettings("127.0.0.1", 0, data, keys, allowUnscoped, maxPushBytes,
        "tcp://127.0.0.1:1", "127.0.0.1:5000", "127.0.0.1", 1, Duration.ofSeconds(15), 2, Duration.ofSeconds(5),
        Duration.ofSeconds(5), Duration.ofSeconds(5));
    server = GitServer.start(settings, NOWHERE);
  }

  private Run push(Path key, String app) throws Exception {
    return git(key, "push", url(app), "main");
  }

  private String url(String app) {
    return "ssh://ape@127.0.0.1:" + server.port() + "/" + app + ".git";
  }

  private Path key(String name) throws Exception {
    Path key = dir.resolve(name);
    ok(run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name.replace("_key", "@test"), "-f",
        key.toString()), Map.of()));
    return key;
  }

  private static String pub(Path key) throws IOException {
    return Files.readString(Path.of(key + ".pub")).strip();
  }

  /** {@code SHA256:...} as ssh-keygen prints it, to compare with the server's message. */
  private static String fingerprint(Path key) throws Exception {
    Run r = run(List.of("ssh-keygen", "-l", "-E", "sha256", "-f", key + ".pub"), Map.of());
    ok(r);
    return r.output().split("\\s+")[1];
  }

  private Run git(String... args) throws Exception {
    return git(null, args);
  }

  private Run git(Path key, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("git", "-C", work.toString()));
    command.addAll(List.of(args));
    Map<String, String> env = new java.util.HashMap<>(Map.of("GIT_AUTHOR_NAME", "t", "GIT_AUTHOR_EMAIL", "t@test",
        "GIT_COMMITTER_NAME", "t", "GIT_COMMITTER_EMAIL", "t@test", "GIT_CONFIG_NOSYSTEM", "1",
        "GIT_CONFIG_GLOBAL", "/dev/null"));
    if (key != null) {
      env.put("GIT_SSH_COMMAND", "ssh -i " + key + " -o IdentitiesOnly=yes -o StrictHostKeyChecking=no"
          + " -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes");
    }
    return run(command, env);
  }

  record Run(int exit, String output) {}

  /** Runs a command to its end (at most {@link #TIMEOUT}), its stdout and stderr in one file. */
  private static Run run(List<String> command, Map<String, String> env) throws Exception {
    Path log = Files.createTempFile("git-server-test", ".out");
    try {
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
      pb.environment().putAll(env);
      Process p = pb.start();
      if (!p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(command + " did not end within " + TIMEOUT + ":\n" + Files.readString(log));
      }
      return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(log);
    }
  }

  private static void ok(Run r) {
    assertEquals(0, r.exit(), r.output());
  }
}
