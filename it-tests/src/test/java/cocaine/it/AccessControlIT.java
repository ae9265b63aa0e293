package cocaine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8's access control, with the real runtime ({@code --role all}, token from a 0600 file) and
 * the real {@code bin/cocaine}: changes without the token or with a wrong one are refused with the
 * security category [9, x]; with the token (option, variable or file) they go through; reads of the
 * platform's collections need it too (issue 18; the attacks themselves are in {@link SecurityIT});
 * calls to apps stay open; the token shows in no output or log.
 */
class AccessControlIT {
  static final Path APPS = RuntimeProcess.HOME.resolve("examples/target/apps");
  static final String TOKEN = "it-token-5d1c0f3a";

  @TempDir
  static Path dir;
  static Path tokenFile;
  static RuntimeProcess runtime;

  @BeforeAll
  static void start() throws Exception {
    tokenFile = dir.resolve("token");
    Files.writeString(tokenFile, TOKEN + "\n");
    Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
    runtime = RuntimeProcess.start(dir.resolve("node"), "all", "cocaine.security.token-file = \"" + tokenFile + "\"");
  }

  @AfterAll
  static void stop() {
    if (runtime != null) {
      runtime.close();
    }
  }

  @Test
  void changesAndReadsOfThePlatformsDataNeedTheTokenCallsToAppsDoNot() throws Exception {
    String echo = APPS.resolve("echo").toString();
    String profile = APPS.resolve("echo").resolve("profile.json").toString();

    RuntimeProcess.CliResult none = runtime.cli("app", "upload", echo, "--name", "echo");
    assertEquals(1, none.exit(), none.output());
    assertTrue(none.output().contains("error [9, 1]") && none.output().contains("needs the access token"), none.output());

    RuntimeProcess.CliResult wrong = runtime.cli("app", "upload", echo, "--name", "echo", "--token", "guess");
    assertEquals(1, wrong.exit(), wrong.output());
    assertTrue(wrong.output().contains("error [9, 2]") && wrong.output().contains("token in the 'authorization' header is wrong"),
        wrong.output());

    assertCli(0, "uploaded", Map.of(), "app", "upload", echo, "--name", "echo", "--token", TOKEN);
    assertCli(0, "uploaded", Map.of("COCAINE_TOKEN", TOKEN), "profile", "upload", "-n", "echo", "-r", profile);

    RuntimeProcess.CliResult startNone = runtime.cli("app", "start", "-n", "echo", "-r", "echo");
    assertEquals(1, startNone.exit(), startNone.output());
    assertTrue(startNone.output().contains("error [9, 1]"), startNone.output());
    assertCli(0, "started", Map.of("COCAINE_TOKEN_FILE", tokenFile.toString()), "app", "start", "-n", "echo", "-r", "echo");

    // reads of the platform's collections need the token; calls to apps stay open
    RuntimeProcess.CliResult listNone = runtime.cli("app", "list");
    assertEquals(1, listNone.exit(), listNone.output());
    assertTrue(listNone.output().contains("error [9, 1]") && listNone.output().contains("reads a private collection"),
        listNone.output());
    assertCli(0, "echo", Map.of("COCAINE_TOKEN", TOKEN), "app", "list");
    assertCli(0, "hello", Map.of(), "call", "echo", "ping", "hello");

    RuntimeProcess.CliResult stopWrong = runtime.cli("app", "stop", "-n", "echo", "--token", "guess");
    assertEquals(1, stopWrong.exit(), stopWrong.output());
    assertTrue(stopWrong.output().contains("error [9, 2]"), stopWrong.output());
    assertCli(0, "hello again", Map.of(), "call", "echo", "ping", "hello again");
    assertCli(0, "stopped", Map.of(), "app", "stop", "-n", "echo", "--token-file", tokenFile.toString());

    RuntimeProcess.CliResult removeNone = runtime.cli("profile", "remove", "-n", "echo");
    assertEquals(1, removeNone.exit(), removeNone.output());
    assertTrue(removeNone.output().contains("error [9, 1]"), removeNone.output());
  }

  @Test
  void adminApiTakesTheSharedToken() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    URI ping = URI.create("http://127.0.0.1:" + runtime.adminPort() + "/ping");
    assertEquals(401, http.send(HttpRequest.newBuilder(ping).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
    assertEquals(401, http.send(HttpRequest.newBuilder(ping).header("Authorization", "Bearer guess").build(),
        HttpResponse.BodyHandlers.ofString()).statusCode());
    assertEquals(200, http.send(HttpRequest.newBuilder(ping).header("Authorization", "Bearer " + TOKEN).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode());
  }

  @Test
  void theTokenIsInNoLog() throws Exception {
    runtime.cli("app", "upload", APPS.resolve("echo").toString(), "--name", "x", "--token", "guess");
    assertFalse(runtime.output().contains(TOKEN), "runtime output holds the token");
    Path log = runtime.dir().resolve("log/cocaine.jsonl");
    if (Files.exists(log)) {
      assertFalse(Files.readString(log).contains(TOKEN), "the log file holds the token");
    }
    assertTrue(runtime.output().contains("refused a call"), "a refused call leaves one log line:\n" + runtime.output());
  }

  private static void assertCli(int exit, String expected, Map<String, String> env, String... args) throws Exception {
    RuntimeProcess.CliResult r = runtime.cli(env, args);
    assertEquals(exit, r.exit(), List.of(args) + ": " + r.output());
    assertTrue(r.output().contains(expected), List.of(args) + ": " + r.output());
  }
}
