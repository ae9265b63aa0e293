package cocaine.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20's CLI part and issue 21's help: what operators of the original typed still works through
 * the real {@code bin/cocaine} and {@code bin/cocaine-tool} against a real runtime ({@code --role all},
 * with an access token): help on every group, {@code -v}/{@code version}, errors that say what to do,
 * the original's verbs and flags ({@code i}, wildcards, {@code app upload --package/--manifest},
 * {@code app import --container_url/--docker_address}, {@code runlist create|upload},
 * {@code copy|rename|edit}, {@code crashlog status|clean|cleanrange}), {@code ~/.cocaine/tools.yml},
 * the {@code cocaine-tool} launcher's spelling and exit codes, and shell completion.
 */
class CliParityIT {
  static final Path APPS = RuntimeProcess.HOME.resolve("examples/target/apps");
  static final String TOKEN = "parity-token-7e11";
  static final Duration LIMIT = Duration.ofSeconds(90);

  @TempDir
  static Path dir;
  static Path home;
  static RuntimeProcess runtime;

  @BeforeAll
  static void start() throws Exception {
    Path tokenFile = dir.resolve("token");
    Files.writeString(tokenFile, TOKEN + "\n");
    Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
    home = Files.createDirectories(dir.resolve("home")); // no tools.yml unless a test writes one
    runtime = RuntimeProcess.start(dir.resolve("node"), "all", "cocaine.security.token-file = \"" + tokenFile + "\"");
    ok("uploaded", cocaine("app", "upload", APPS.resolve("echo").toString(), "-n", "echo"));
    ok("uploaded", cocaine("profile", "upload", "-n", "echo", "-r", APPS.resolve("echo/profile.json").toString()));
    ok("started", cocaine("app", "start", "-n", "echo", "-r", "echo"));
  }

  @AfterAll
  static void stop() {
    if (runtime != null) {
      runtime.close();
    }
  }

  // --- help, version, errors -----------------------------------------------------------------------

  @Test
  void everyGroupAnswersHelpAndDashDashHelp() throws Exception {
    for (String group : List.of("app", "profile", "runlist", "group", "crashlog", "storage", "logging")) {
      ok("Usage: cocaine " + group, bare("cocaine", Map.of(), group, "--help"));
      ok("Usage: cocaine " + group, bare("cocaine", Map.of(), group, "help"));
    }
    Command.Result upload = ok("Usage: cocaine app upload", bare("cocaine", Map.of(), "app", "help", "upload"));
    assertTrue(upload.output().contains("--package") && upload.output().contains("--manifest-only"), upload.output());
    ok("Usage: cocaine crashlog cleanrange", bare("cocaine", Map.of(), "crashlog", "cleanrange", "--help"));
    ok("Usage: cocaine app", bare("cocaine-tool", Map.of(), "app", "--help"));
    assertFalse(bare("cocaine", Map.of(), "app", "--help").output().contains("Unknown option"));
  }

  @Test
  void versionAnswersDashVDashDashVersionAndTheVerb() throws Exception {
    for (String[] args : List.of(new String[] {"-v"}, new String[] {"--version"}, new String[] {"version"})) {
      assertEquals("cocaine 0.1.0", ok("cocaine", bare("cocaine", Map.of(), args)).output().trim());
    }
    assertEquals("cocaine 0.1.0", ok("cocaine", bare("cocaine-tool", Map.of(), "version")).output().trim());
  }

  @Test
  void noRuntimeAtTheAddressSaysHowToStartOneOrWhereToPoint() throws Exception {
    String port = String.valueOf(RuntimeProcess.freePort());
    Command.Result r = bare("cocaine", Map.of(), "app", "list", "--host", "127.0.0.1", "--port", port);
    assertEquals(1, r.exit(), r.output());
    assertTrue(r.output().contains("no runtime at 127.0.0.1:" + port + " (Connection refused): start one with"
        + " scripts/quickstart.sh, or point at a running one with --host/--port"), r.output());
    assertEquals(128, bare("cocaine-tool", Map.of(), "app", "list", "--port", port).exit(), "the original's code");
  }

  @Test
  void errorsOfTheRuntimeSayWhatToDoNext() throws Exception {
    Command.Result missing = cocaine("profile", "view", "-n", "no-such-profile");
    assertEquals(1, missing.exit(), missing.output());
    assertTrue(missing.output().contains("no such object; 'cocaine profile list' shows what there is"), missing.output());
    Command.Result notStarted = cocaine("call", "no-such-app", "ping", "x");
    assertEquals(1, notStarted.exit(), notStarted.output());
    assertTrue(notStarted.output().contains("'cocaine app start -n NAME -r PROFILE' starts one"), notStarted.output());
  }

  // --- info ----------------------------------------------------------------------------------------

  @Test
  void iIsInfoAndNameTakesShellWildcards() throws Exception {
    Command.Result matched = ok("\"echo\"", cocaine("i", "-n", "ec*", "--json"));
    assertTrue(matched.output().contains("\"state\" : \"running\""), matched.output());
    assertEquals("{ }", ok("", cocaine("info", "-n", "zz*", "--json")).output().trim(), "no app matches");
    ok("\"echo\"", cocaine("info", "-n", "[de]ch?", "-w", "--json"));
  }

  @Test
  void infoBriefLeavesOutThePool() throws Exception {
    assertTrue(ok("running", cocaine("info", "-n", "echo", "--json")).output().contains("\"pool\""));
    Command.Result brief = ok("running", cocaine("info", "-n", "echo", "-b", "--json"));
    assertFalse(brief.output().contains("\"pool\""), brief.output());
  }

  // --- app upload and import -----------------------------------------------------------------------

  @Test
  void uploadTakesAManifestOtherThanPathSlashManifestJson() throws Exception {
    Path app = copyOfEcho("elsewhere");
    Path manifest = dir.resolve("elsewhere-manifest.json");
    Files.move(app.resolve("manifest.json"), manifest);
    ok("uploaded", cocaine("app", "upload", app.toString(), "-n", "elsewhere", "--manifest", manifest.toString()));
    ok("run.sh", cocaine("app", "view", "-n", "elsewhere"));

    Path nested = copyOfEcho("nested");
    Files.createDirectories(nested.resolve("conf"));
    Files.move(nested.resolve("manifest.json"), nested.resolve("conf/manifest"));
    ok("uploaded", cocaine("app", "upload", nested.toString()));
    ok("run.sh", cocaine("app", "view", "-n", "nested"));
  }

  @Test
  void uploadTakesAReadyPackageThatThenRuns() throws Exception {
    Path archive = dir.resolve("echo-package.tar.gz");
    Command.Result tar = Command.run(List.of("tar", "-czf", archive.toString(), "-C", APPS.resolve("echo").toString(), "."),
        LIMIT);
    assertEquals(0, tar.exit(), tar.output());
    ok("uploaded", cocaine("app", "upload", "--package", archive.toString(), "-n", "packaged", "--manifest",
        APPS.resolve("echo/manifest.json").toString()));
    ok("started", cocaine("app", "start", "-n", "packaged", "-r", "echo"));
    await("the packaged app answers").atMost(Duration.ofSeconds(60)).untilAsserted(() ->
        assertEquals("from the package", cocaine("call", "packaged", "ping", "from the package").output()));
    ok("stopped", cocaine("app", "stop", "-n", "packaged"));
  }

  @Test
  void uploadManifestOnlyStoresNoArchive() throws Exception {
    ok("manifest only", cocaine("app", "upload", APPS.resolve("echo").toString(), "-n", "manifest-only",
        "--manifest-only"));
    ok("run.sh", cocaine("app", "view", "-n", "manifest-only"));
    Command.Result archive = cocaine("storage", "read", "apps", "manifest-only");
    assertEquals(1, archive.exit(), archive.output());
    assertTrue(archive.output().contains("no such object"), archive.output());
  }

  @Test
  void importTakesTheOriginalsContainerUrlAndDockerAddressSpelling() throws Exception {
    Path app = copyOfEcho("imported");
    for (String[] spelling : List.of(new String[] {"--container_url", "--docker_address"},
        new String[] {"--container-url", "--docker-address"})) {
      Command.Result r = cocaine("app", "import", app.toString(), "-n", "imported", spelling[0], "busybox:latest",
          spelling[1], "http://127.0.0.1:1");
      assertEquals(1, r.exit(), r.output());
      assertTrue(r.output().contains("cannot reach the Docker daemon at tcp://127.0.0.1:1"),
          "the address reached the daemon client, http:// read as tcp://: " + r.output());
    }
    assertEquals(1, cocaine("app", "view", "-n", "imported").exit(), "a failed import stores no manifest");
    Command.Result upload = cocaine("app", "upload", app.toString(), "--docker_address", "http://127.0.0.1:1");
    assertEquals(2, upload.exit(), upload.output());
    assertTrue(upload.output().contains("build and push with 'cocaine app deploy PATH"), upload.output());
  }

  // --- runlists, and copy, rename and edit of stored documents ------------------------------------

  @Test
  void runlistCreateAndUpload() throws Exception {
    ok("created", cocaine("runlist", "create", "-n", "rl-created"));
    assertEquals("{ }", ok("", cocaine("runlist", "view", "-n", "rl-created", "--json")).output().trim());
    Path file = dir.resolve("runlist.json");
    Files.writeString(file, "{\"echo\": \"echo\"}");
    ok("uploaded", cocaine("runlist", "upload", "-n", "rl-uploaded", "--runlist", file.toString()));
    ok("\"echo\" : \"echo\"", cocaine("runlist", "view", "-n", "rl-uploaded", "--json"));
    ok("replaced one of 1 apps", cocaine("runlist", "create", "-n", "rl-uploaded"));
    Command.Result bad = cocaine("runlist", "upload", "-n", "rl-bad", "--runlist", "{\"echo\": 5}");
    assertEquals(2, bad.exit(), bad.output());
    assertTrue(bad.output().contains("must name a profile"), bad.output());
  }

  @Test
  void runlistAndGroupEntriesAreAddedAndRemovedOneAppAtATime() throws Exception {
    assertEquals(1, cocaine("runlist", "add-app", "-n", "rl-entries", "--app", "echo", "-r", "echo").exit(),
        "no runlist and no --force");
    ok("", cocaine("runlist", "add-app", "-n", "rl-entries", "--app", "echo", "-r", "echo", "--force"));
    ok("\"echo\" : \"echo\"", cocaine("runlist", "view", "-n", "rl-entries", "--json"));
    ok("", cocaine("runlist", "remove-app", "-n", "rl-entries", "--app", "echo"));
    assertEquals("{ }", ok("", cocaine("runlist", "view", "-n", "rl-entries", "--json")).output().trim());
    Command.Result gone = cocaine("runlist", "remove-app", "-n", "rl-entries", "--app", "echo");
    assertTrue(gone.exit() == 1 && gone.output().contains("app 'echo' is not in runlist 'rl-entries'"), gone.output());
    ok("created", cocaine("group", "create", "-n", "g-entries"));
    ok("", cocaine("group", "push", "-n", "g-entries", "--app", "echo", "-w", "5"));
    ok("\"echo\" : 5", cocaine("group", "view", "-n", "g-entries", "--json"));
    ok("", cocaine("group", "pop", "-n", "g-entries", "--app", "echo"));
    gone = cocaine("group", "pop", "-n", "g-entries", "--app", "echo");
    assertTrue(gone.exit() == 1 && gone.output().contains("app 'echo' is not in group 'g-entries'"), gone.output());
  }

  @Test
  void profileRunlistAndGroupCopyAndRename() throws Exception {
    ok("uploaded", cocaine("runlist", "upload", "-n", "rl-a", "--runlist", "{\"echo\": \"echo\"}"));
    ok("created", cocaine("group", "create", "-n", "g-a", "-c", "{\"echo\": 3}"));
    for (String[] kind : List.of(new String[] {"profile", "echo", "p-copy", "p-renamed", "pool-limit"},
        new String[] {"runlist", "rl-a", "rl-copy", "rl-renamed", "\"echo\" : \"echo\""},
        new String[] {"group", "g-a", "g-copy", "g-renamed", "\"echo\" : 3"})) {
      String noun = kind[0];
      ok("copied to '" + kind[2] + "'", cocaine(noun, "copy", "-n", kind[1], "--copyname", kind[2]));
      ok(kind[4], cocaine(noun, "view", "-n", kind[2], "--json"));
      ok(kind[4], cocaine(noun, "view", "-n", kind[1], "--json"));
      ok("renamed to '" + kind[3] + "'", cocaine(noun, "rename", "-n", kind[2], "-c", kind[3]));
      ok(kind[4], cocaine(noun, "view", "-n", kind[3], "--json"));
      assertEquals(1, cocaine(noun, "view", "-n", kind[2]).exit(), noun + " " + kind[2] + " is gone after the rename");
    }
  }

  @Test
  void editOpensTheEditorAndStoresAValidResultOnly() throws Exception {
    Path sed = script("sed.sh", "sed -i 's/\"pool-limit\" : [0-9]*/\"pool-limit\" : 7/; s/\"echo\" : 3/\"echo\" : 9/;"
        + " s/\"echo\" : \"echo\"/\"echo\" : \"edited\"/' \"$1\"");
    ok("uploaded", cocaine("profile", "upload", "-n", "p-edit", "-r", APPS.resolve("echo/profile.json").toString()));
    ok("uploaded", cocaine("runlist", "upload", "-n", "rl-edit", "--runlist", "{\"echo\": \"echo\"}"));
    ok("created", cocaine("group", "create", "-n", "g-edit", "-c", "{\"echo\": 3}"));
    Map<String, String> editor = Map.of("EDITOR", sed.toString());
    ok("stored", cocaine(editor, "profile", "edit", "-n", "p-edit"));
    ok("\"pool-limit\" : 7", cocaine("profile", "view", "-n", "p-edit", "--json"));
    ok("stored", cocaine(editor, "runlist", "edit", "-n", "rl-edit"));
    ok("\"echo\" : \"edited\"", cocaine("runlist", "view", "-n", "rl-edit", "--json"));
    ok("stored", cocaine(Map.of("VISUAL", sed.toString(), "EDITOR", "false"), "group", "edit", "-n", "g-edit"));
    ok("\"echo\" : 9", cocaine("group", "view", "-n", "g-edit", "--json"));
    ok("unchanged", cocaine(Map.of("EDITOR", "true"), "profile", "edit", "-n", "p-edit"));

    Path breaker = script("break.sh", "echo '{\"pool-limit\": -1}' > \"$1\"");
    Command.Result invalid = cocaine(Map.of("EDITOR", breaker.toString()), "profile", "edit", "-n", "p-edit");
    assertEquals(2, invalid.exit(), invalid.output());
    assertTrue(invalid.output().contains("nothing was stored. Your edit is kept in ")
        && invalid.output().contains("cocaine profile upload -n p-edit -r "), invalid.output());
    String kept = invalid.output().substring(invalid.output().indexOf("Your edit is kept in ") + 21);
    Path keptFile = Path.of(kept.substring(0, kept.indexOf(':')));
    assertTrue(Files.readString(keptFile).contains("-1"), "the kept file holds the edit");
    Files.delete(keptFile);
    ok("\"pool-limit\" : 7", cocaine("profile", "view", "-n", "p-edit", "--json"));
  }

  // --- crashlogs -----------------------------------------------------------------------------------

  @Test
  void crashlogStatusCountsEachUploadedAppsCrashlogsAndShowsTheLatest() throws Exception {
    ok("uploaded", cocaine("app", "upload", APPS.resolve("echo").toString(), "-n", "crashy"));
    crashlog("crashy", 1_420_070_400_000_000L, "aaa", "2015-01-01");
    crashlog("crashy", 1_420_156_800_000_000L, "bbb", "2015-01-02");
    Command.Result status = ok("\"app\" : \"crashy\"", cocaine("crashlog", "status", "--json"));
    String crashy = status.output().substring(status.output().indexOf("\"crashy\""));
    crashy = crashy.contains("\"app\"") ? crashy.substring(0, crashy.indexOf("\"app\"")) : crashy; // its entry only
    assertTrue(crashy.contains("\"total\" : 2") && crashy.contains("\"uuid\" : \"bbb\""), status.output());
  }

  @Test
  void crashlogCleanKeepsTheNewestOrDropsTheOlder() throws Exception {
    for (int i = 1; i <= 4; i++) {
      crashlog("cleaned", 1_420_070_400_000_000L + i * 1_000_000L, "w" + i, "2015-01-01");
    }
    ok("1 crashlogs of 'cleaned' removed", cocaine("crashlog", "clean", "-n", "cleaned", "-s", "3"));
    Command.Result three = ok("w4", cocaine("crashlog", "list", "-n", "cleaned", "--json"));
    assertFalse(three.output().contains("\"w1\""), three.output());
    ok("1 crashlogs of 'cleaned' removed", cocaine("crashlog", "clean", "-n", "cleaned", "-t", "2015-01-01T00:00:03"));
    Command.Result two = ok("w4", cocaine("crashlog", "list", "-n", "cleaned", "--json"));
    assertFalse(two.output().contains("\"w2\""), two.output());
    assertTrue(two.output().contains("\"w3\""), two.output());
  }

  @Test
  void crashlogCleanrangeRemovesTheDaysOfEveryAppInTheRange() throws Exception {
    crashlog("ranged-a", 1_262_304_000_000_000L, "d1", "2010-01-01");
    crashlog("ranged-b", 1_262_390_400_000_000L, "d2", "2010-01-02");
    crashlog("ranged-a", 1_262_476_800_000_000L, "d3", "2010-01-03");
    ok("2 crashlogs from 2010-01-01 to 2010-01-02 removed",
        cocaine("crashlog", "cleanrange", "--from_day", "1-1-2010", "--up_to_day", "2010-01-02"));
    Command.Result left = ok("d3", cocaine("crashlog", "list", "-n", "ranged-a"));
    assertFalse(left.output().contains("d1"), left.output());
    assertEquals("[ ]", ok("", cocaine("crashlog", "list", "-n", "ranged-b", "--json")).output().trim());
  }

  @Test
  void crashlogListTakesTheOriginalsDaySpellings() throws Exception {
    crashlog("dayed", 1_293_840_000_000_000L, "first", "2011-01-01");
    crashlog("dayed", 1_293_926_400_000_000L, "second", "2011-01-02");
    Command.Result day = ok("second", cocaine("crashlog", "list", "-n", "dayed", "-d", "2-1-2011"));
    assertFalse(day.output().contains("first"), day.output());
  }

  // --- ~/.cocaine/tools.yml ------------------------------------------------------------------------

  @Test
  void toolsYmlGivesHostPortAndTokenAfterFlagsAndEnvironment() throws Exception {
    Path userHome = Files.createDirectories(dir.resolve("yml-home/.cocaine")).getParent();
    Files.writeString(userHome.resolve(".cocaine/tools.yml"), "locator:\n  host: " + runtime.host() + "\n  port: "
        + runtime.locatorPort() + "\nsecure:\n  token: " + TOKEN + "\n");
    Map<String, String> env = Map.of("HOME", userHome.toString());
    ok("uploaded", bare("cocaine", env, "profile", "upload", "-n", "from-yml", "-r",
        APPS.resolve("echo/profile.json").toString()));
    ok("from-yml", bare("cocaine", env, "profile", "list"));

    String closed = String.valueOf(RuntimeProcess.freePort());
    Map<String, String> envPort = new HashMap<>(env);
    envPort.put("COCAINE_PORT", closed);
    Command.Result envWins = bare("cocaine", envPort, "profile", "list");
    assertEquals(1, envWins.exit(), envWins.output());
    assertTrue(envWins.output().contains("no runtime at " + runtime.host() + ":" + closed), envWins.output());
    ok("from-yml", bare("cocaine", envPort, "profile", "list", "--port", String.valueOf(runtime.locatorPort())));

    Map<String, String> envToken = new HashMap<>(env);
    envToken.put("COCAINE_TOKEN", "wrong");
    Command.Result wrong = bare("cocaine", envToken, "profile", "remove", "-n", "from-yml");
    assertEquals(1, wrong.exit(), wrong.output());
    assertTrue(wrong.output().contains("error [9, 2]"), "the environment's token beats the file's: " + wrong.output());

    Files.writeString(userHome.resolve(".cocaine/tools.yml"), "locator: [broken\n");
    Command.Result broken = bare("cocaine", env, "profile", "list");
    assertEquals(2, broken.exit(), broken.output());
    assertTrue(broken.output().contains("tools.yml is not valid YAML") && broken.output().contains("move it away"),
        broken.output());
    ok("Usage: cocaine profile list", bare("cocaine", env, "profile", "list", "--help"));
  }

  // --- bin/cocaine-tool ----------------------------------------------------------------------------

  @Test
  void cocaineToolRunsTheOriginalsCommonCommandsWithItsExitCodes() throws Exception {
    ok("uploaded", tool("app", "upload", APPS.resolve("echo").toString(), "-n", "tool-echo", "-v"));
    ok("tool-echo", tool("app", "list"));
    ok("uploaded", tool("profile", "upload", "-n", "tool-echo", "--profile", APPS.resolve("echo/profile.json").toString()));
    ok("started", tool("app", "start", "-n", "tool-echo", "-r", "tool-echo", "-vvvv"));
    ok("running", tool("info", "-n", "tool-echo"));
    ok("running", tool("i", "-n", "tool-*"));
    ok("", tool("runlist", "add-app", "-n", "tool-runlist", "--app", "tool-echo", "--profile", "tool-echo", "--force"));
    ok("\"tool-echo\" : \"tool-echo\"", tool("runlist", "view", "-n", "tool-runlist"));
    crashlog("tool-echo", 1_420_070_400_000_000L, "crashed-worker", "2015-01-01");
    ok("crashed-worker", tool("crashlog", "list", "-n", "tool-echo"));
    ok("line two", tool("crashlog", "view", "-n", "tool-echo"));

    assertEquals(128, tool("app", "start", "-n", "tool-echo", "-r", "tool-echo").exit(), "already running: 128");
    assertEquals(22, tool("profile", "upload", "-n", "x", "--profile", "{not json").exit(), "a bad value: EINVAL");
    assertEquals(2, tool("app", "start", "-n", "tool-echo").exit(), "a missing option: click's usage code");
    ok("stopped", tool("app", "stop", "-n", "tool-echo"));
  }

  // --- shell completion ----------------------------------------------------------------------------

  @Test
  void bashCompletionIsGeneratedFromTheCommands() throws Exception {
    Path script = dir.resolve("cocaine.bash");
    Files.writeString(script, ok("_complete_cocaine", bare("cocaine", Map.of(), "completion", "bash")).output());
    ok("_complete_cocaine", bare("cocaine", Map.of(), "completion", "zsh"));
    String complete = "source " + script + " 2>/dev/null; COMP_WORDS=(%s); COMP_CWORD=%d; _complete_cocaine 2>/dev/null;"
        + " echo \"${COMPREPLY[*]}\"";
    assertEquals("clean cleanrange", bash(complete.formatted("cocaine crashlog cl", 2)));
    assertEquals("--copyname", bash(complete.formatted("cocaine profile copy --c", 3)));
    assertEquals("bash zsh", bash(complete.formatted("cocaine completion ''", 2)));
  }

  // --- helpers -------------------------------------------------------------------------------------

  /** bin/cocaine ARGS --host --port of the runtime, with its token in the environment and no tools.yml. */
  static Command.Result cocaine(String... args) throws Exception {
    return cocaine(Map.of(), args);
  }

  static Command.Result cocaine(Map<String, String> env, String... args) throws Exception {
    return withTarget("cocaine", env, args);
  }

  /** bin/cocaine-tool ARGS --host --port of the runtime, with its token in the environment. */
  static Command.Result tool(String... args) throws Exception {
    return withTarget("cocaine-tool", Map.of(), args);
  }

  private static Command.Result withTarget(String launcher, Map<String, String> env, String... args) throws Exception {
    return new CliUser(home, runtime.host(), runtime.locatorPort(), TOKEN).targeted(launcher, env, args);
  }

  /** bin/LAUNCHER ARGS as given, HOME without a tools.yml unless env says otherwise; stderr joins stdout. */
  static Command.Result bare(String launcher, Map<String, String> env, String... args) throws Exception {
    return CliUser.bare(home, launcher, env, args);
  }

  private static Command.Result ok(String expected, Command.Result r) {
    assertEquals(0, r.exit(), r.output());
    assertTrue(r.output().contains(expected), "expected '" + expected + "' in:\n" + r.output());
    return r;
  }

  /** A crashlog as a node stores it: key µs:uuid, tags the app and its UTC day, two lines. */
  private static void crashlog(String app, long micros, String uuid, String day) throws Exception {
    ok("", cocaine("storage", "write", "crashlogs", micros + ":" + uuid, "[\"line one\", \"line two\"]", "--pack-json",
        "-t", app, "-t", "cocaine-" + day));
  }

  private static Path copyOfEcho(String name) throws Exception {
    Path copy = dir.resolve("apps").resolve(name);
    Files.createDirectories(copy.getParent());
    Command.Result cp = Command.run(List.of("cp", "-r", APPS.resolve("echo").toString(), copy.toString()), LIMIT);
    assertEquals(0, cp.exit(), cp.output());
    return copy;
  }

  private static Path script(String name, String body) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
    return file;
  }

  private static String bash(String script) throws Exception {
    Command.Result r = Command.run(List.of("bash", "-c", script), LIMIT);
    assertEquals(0, r.exit(), r.output());
    return r.output().trim();
  }
}
