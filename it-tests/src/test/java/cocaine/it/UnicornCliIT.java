package cocaine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.client.ServiceClient;
import cocaine.client.UnicornClient;
import cocaine.security.AccessToken;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Values;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node serving {@code unicorn} (cocaine.services.unicorn) on a real ZooKeeper, with an access
 * token: the service is reached through the locator, and {@code cocaine unicorn
 * get|put|create|remove|children} work through the real CLI, refuse what they must with the
 * original's codes, and need the token to write.
 */
@Tag("zookeeper")
class UnicornCliIT {
  static final String TOKEN = "unicorn-it-token";
  static final Duration LIMIT = Duration.ofSeconds(90);

  @TempDir
  static Path dir;
  static Path home;
  static int zkPort;
  static RuntimeProcess node;

  @BeforeAll
  static void start() throws Exception {
    zkPort = RuntimeProcess.freePort();
    ZookeeperStorageIT.zookeeper("start", dir.resolve("zk").toString(), String.valueOf(zkPort));
    home = Files.createDirectories(dir.resolve("home"));
    node = RuntimeProcess.start(dir.resolve("node"), "node", String.join("\n",
        "cocaine.security.token = \"" + TOKEN + "\"",
        "cocaine.services.unicorn { enabled = on, connect = \"127.0.0.1:" + zkPort + "\", root = \"/unicorn-it\" }"),
        "unicorn");
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    if (zkPort != 0) {
      ZookeeperStorageIT.zookeeper("stop", dir.resolve("zk").toString());
    }
  }

  @Test
  void eachVerbWorksThroughTheRealCli() throws Exception {
    ok("\"version\" : -1", cocaine("unicorn", "get", "/cfg/a"));
    ok("unicorn node '/cfg/a' created", cocaine("unicorn", "create", "/cfg/a", "{\"x\": 1}"));
    Command.Result got = ok("\"version\" : 0", cocaine("unicorn", "get", "/cfg/a"));
    assertTrue(got.output().contains("\"x\" : 1"), got.output());
    ok("\"version\" : 1", cocaine("unicorn", "put", "/cfg/a", "[1, 2]"));
    Command.Result stale = cocaine("unicorn", "put", "/cfg/a", "5", "--version", "0");
    assertEquals(1, stale.exit(), stale.output());
    assertTrue(stale.output().contains("at version 1, not 0"), stale.output());
    ok("\"version\" : 2", cocaine("unicorn", "put", "/cfg/a", "\"text\"", "--version", "1"));
    ok("unicorn node '/cfg/b' created", cocaine("unicorn", "create", "/cfg/b", "2"));
    Command.Result children = ok("\"children\" : [ \"a\", \"b\" ]", cocaine("unicorn", "children", "/cfg"));
    assertTrue(children.output().contains("\"path\" : \"/cfg\""), children.output());
    ok("unicorn node '/cfg/a' removed", cocaine("unicorn", "remove", "/cfg/a", "--version", "2"));
    ok("\"version\" : -1", cocaine("unicorn", "get", "/cfg/a"));
    // the tool launcher takes the same verbs
    ok("\"value\" : 2", tool("unicorn", "get", "/cfg/b"));
  }

  @Test
  void refusalsCarryTheOriginalsCodesAndTheExitCodesSayWhatFailed() throws Exception {
    Command.Result notJson = cocaine("unicorn", "create", "/word", "hello");
    assertEquals(2, notJson.exit(), notJson.output());
    assertTrue(notJson.output().contains("'\"hello\"'"), "says how to quote it: " + notJson.output());
    Command.Result exists = cocaine("unicorn", "create", "/twice", "1");
    assertEquals(0, exists.exit(), exists.output());
    exists = cocaine("unicorn", "create", "/twice", "1");
    assertEquals(1, exists.exit(), exists.output());
    assertTrue(exists.output().contains("[11, 9]") || exists.output().contains("exists"), exists.output());
    Command.Result badPath = cocaine("unicorn", "get", "relative/path");
    assertEquals(1, badPath.exit(), badPath.output());
    assertTrue(badPath.output().contains("invalid path"), badPath.output());
    Command.Result missing = cocaine("unicorn", "put", "/nothing", "1");
    assertEquals(1, missing.exit(), missing.output());
    assertTrue(missing.output().contains("cocaine unicorn create /nothing"), missing.output());
    Command.Result noToken = cocaine(Map.of("COCAINE_TOKEN", ""), "unicorn", "create", "/anonymous", "1");
    assertEquals(1, noToken.exit(), noToken.output());
    assertTrue(noToken.output().contains("needs the access token"), noToken.output());
    ok("\"version\" : -1", cocaine(Map.of("COCAINE_TOKEN", ""), "unicorn", "get", "/anonymous"));
    for (String verb : List.of("get", "put", "create", "remove", "children")) {
      ok("Usage: cocaine unicorn " + verb, bare("cocaine", Map.of(), "unicorn", verb, "--help"));
    }
  }

  @Test
  void editCreatesOrPutsWhatTheEditorLeaves() throws Exception {
    Map<String, String> writes = Map.of("EDITOR", editor("writes", "echo '{\"edited\": [1, 2]}' > \"$1\""),
        "VISUAL", "");
    ok("unicorn node '/edited' stored", cocaine(writes, "unicorn", "edit", "/edited"));
    ok("\"version\" : 0", cocaine("unicorn", "get", "/edited"));
    ok("unicorn node '/edited' unchanged", cocaine(writes, "unicorn", "edit", "/edited"));
    ok("unicorn node '/edited' stored",
        cocaine(Map.of("EDITOR", editor("bumps", "echo '\"v2\"' > \"$1\""), "VISUAL", ""), "unicorn", "edit", "/edited"));
    ok("\"value\" : \"v2\"", cocaine("unicorn", "get", "/edited"));
    Command.Result broken = cocaine(Map.of("EDITOR", editor("breaks", "echo '{not json' > \"$1\""), "VISUAL", ""),
        "unicorn", "edit", "/edited");
    assertEquals(2, broken.exit(), broken.output());
    assertTrue(broken.output().contains("kept in"), broken.output());
    ok("\"version\" : 1", cocaine("unicorn", "get", "/edited"));
  }

  @Test
  void theJavaClientFindsItThroughTheLocator() throws Exception {
    try (UnicornClient anonymous = UnicornClient.connect(node.host(), node.locatorPort());
        UnicornClient trusted = new UnicornClient(ServiceClient.connect(node.host(), node.locatorPort(), "unicorn"),
            LIMIT, List.of(AccessToken.header(TOKEN)))) {
      assertEquals(-1, anonymous.get("/via/locator").version());
      CocaineException refused = assertThrows(CocaineException.class, () -> anonymous.increment("/via/locator", 3));
      assertEquals(ErrorCode.TOKEN_NOT_FOUND, refused.code());
      assertEquals(Values.integer(3), trusted.increment("/via/locator", 3).value());
      assertEquals(Values.integer(3), anonymous.get("/via/locator").value());
    }
  }

  // --- helpers -------------------------------------------------------------------------------------

  static Command.Result cocaine(String... args) throws Exception {
    return cocaine(Map.of(), args);
  }

  static Command.Result cocaine(Map<String, String> env, String... args) throws Exception {
    return user().targeted("cocaine", env, args);
  }

  static Command.Result tool(String... args) throws Exception {
    return user().targeted("cocaine-tool", Map.of(), args);
  }

  static Command.Result bare(String launcher, Map<String, String> env, String... args) throws Exception {
    return CliUser.bare(home, launcher, env, args);
  }

  static CliUser user() {
    return new CliUser(home, node.host(), node.locatorPort(), TOKEN);
  }

  /** An executable editor script that runs {@code body} with the file as $1. */
  private static String editor(String name, String body) throws Exception {
    Path script = dir.resolve(name + ".sh");
    Files.writeString(script, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(script, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    return script.toString();
  }

  private static Command.Result ok(String expected, Command.Result r) {
    assertEquals(0, r.exit(), r.output());
    assertTrue(r.output().contains(expected), "expected '" + expected + "' in:\n" + r.output());
    return r;
  }
}
