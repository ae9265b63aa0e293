package cocaine.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.client.Locator;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msgpack.value.ArrayValue;
import org.msgpack.value.Value;

/**
 * Issue 18, "nobody in where they don't belong": a real runtime ({@code --role all}) with the access
 * token set, an attacker speaking raw frames ({@link RawClient}, no token) and the real
 * {@code bin/cocaine}. One test per attack: it is refused with [9, 1] / [9, 2] / [9, 3] or a clear
 * error, the legitimate path (the token, the CLI) still works, and nothing changed (the locator's
 * answers, the stored bytes).
 *
 * <p>To add an attack, write a {@code @Test} on the shared fixture at the top: {@link #runtime}
 * (started once, with the app {@code echo} running and its manifest holding {@link #SECRET}),
 * {@link #attacker} (a raw connection to a service), {@link #call} (one call and its reply frame),
 * {@link #assertRefused}, {@link #WITH_TOKEN} / {@link #WRONG_TOKEN} (headers), {@link #cli}
 * (the real CLI, with or without the token), {@link #stored} (bytes on disk), {@link #endpoint}
 * (what the locator answers) and {@link #awaitLog}.
 */
class SecurityIT {
  static final Path APPS = RuntimeProcess.HOME.resolve("examples/target/apps");
  static final String TOKEN = "it-security-7c41e9d2";
  static final Map<String, String> WITH_TOKEN = Map.of("authorization", "Bearer " + TOKEN);
  static final Map<String, String> WRONG_TOKEN = Map.of("authorization", "Bearer guess");
  static final Map<String, String> NO_TOKEN = Map.of();
  /** An environment value of echo's manifest: it must never reach a caller without the token. */
  static final String SECRET = "db-password-5f2a";
  static final String GROUP = "sec-group";
  static final String RUNLIST = "sec-runlist";

  // message ids of the services (docs/protocol.md 2.6)
  static final int LOCATOR_REFRESH = 2;
  static final int LOCATOR_PUBLISH = 4;
  static final int STORAGE_READ = 0;
  static final int STORAGE_WRITE = 1;
  static final int STORAGE_FIND = 3;
  static final int LOGGING_VERBOSITY = 1;
  static final int LOGGING_SET_VERBOSITY = 2;
  static final int NODE_INFO = 3;
  static final int VALUE = 0;
  static final int ERROR = 1;

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
    Path echo = APPS.resolve("echo");
    cliOk("uploaded", "app", "upload", echo.toString(), "--name", "echo",
        "--manifest", "{\"slave\": \"run.sh\", \"environment\": {\"DB_PASSWORD\": \"" + SECRET + "\"}}");
    cliOk("uploaded", "profile", "upload", "-n", "echo", "-r", echo.resolve("profile.json").toString());
    cliOk("", "group", "create", "-n", GROUP, "-c", "{\"echo\": 1}");
    cliOk("", "runlist", "add-app", "-n", RUNLIST, "--app", "echo", "-r", "echo", "--force");
    cliOk("started", "app", "start", "-n", "echo", "-r", "echo");
  }

  @AfterAll
  static void stop() {
    if (runtime != null) {
      runtime.close();
    }
  }

  // ---- the shared fixture ----

  /** A raw connection to a service of the runtime, found through its locator: what an attacker opens. */
  static RawClient attacker(String service) throws IOException {
    int port = service.equals("locator") ? runtime.locatorPort() : Integer.parseInt(endpoint(service).split(":")[1]);
    return new RawClient(port);
  }

  /** Sends one call on {@code channel} (ids must increase per connection) and returns its reply frame. */
  static ArrayValue call(RawClient c, long channel, int type, Map<String, String> headers, Object... args)
      throws IOException {
    c.sendWithHeaders(channel, type, headers, args);
    ArrayValue reply = c.receive();
    assertEquals(channel, reply.get(0).asIntegerValue().toLong(), "reply on another channel: " + reply);
    return reply;
  }

  /** The reply is {@code error [[category, code], message]} and the message holds {@code text}. */
  static void assertRefused(ArrayValue reply, int category, int code, String text) {
    assertEquals(ERROR, reply.get(1).asIntegerValue().toInt(), "expected a refusal, got " + reply);
    List<Value> args = reply.get(2).asArrayValue().list();
    assertEquals(List.of(category, code), List.of(args.get(0).asArrayValue().get(0).asIntegerValue().toInt(),
        args.get(0).asArrayValue().get(1).asIntegerValue().toInt()), reply.toString());
    assertTrue(RawClient.str(args.get(1)).contains(text), "'" + text + "' not in " + reply);
  }

  static void assertValue(ArrayValue reply) {
    assertEquals(VALUE, reply.get(1).asIntegerValue().toInt(), "expected a value, got " + reply);
  }

  /** What the locator answers for {@code name} now: its first endpoint as {@code host:port}. */
  static String endpoint(String name) throws IOException {
    try (Locator locator = Locator.connect(runtime.host(), runtime.locatorPort())) {
      return locator.resolve(name).endpoints().get(0).toString();
    }
  }

  /** The bytes the files backend holds for a key: checked before and after an attack. */
  static byte[] stored(String collection, String key) throws IOException {
    return Files.readAllBytes(runtime.dir().resolve("storage").resolve(collection).resolve(key));
  }

  /** The real CLI, with the token (from $COCAINE_TOKEN_FILE) or without any. */
  static RuntimeProcess.CliResult cli(boolean token, String... args) throws Exception {
    return runtime.cli(token ? Map.of("COCAINE_TOKEN_FILE", tokenFile.toString()) : Map.of(), args);
  }

  /** The CLI with the token exits 0 and prints {@code expected}. */
  static String cliOk(String expected, String... args) throws Exception {
    RuntimeProcess.CliResult r = cli(true, args);
    assertEquals(0, r.exit(), List.of(args) + ": " + r.output());
    assertTrue(r.output().contains(expected), List.of(args) + ": " + r.output());
    return r.output();
  }

  /** The CLI without the token exits 1 with {@code [9, 1]}, and its output does not hold {@link #SECRET}. */
  static void cliRefused(String... args) throws Exception {
    RuntimeProcess.CliResult r = cli(false, args);
    assertEquals(1, r.exit(), List.of(args) + ": " + r.output());
    assertTrue(r.output().contains("error [9, 1]"), List.of(args) + ": " + r.output());
    assertFalse(r.output().contains(SECRET), List.of(args) + ": " + r.output());
  }

  /** Waits until the runtime's output holds {@code line} at least {@code times} times. */
  static void awaitLog(String line, int times) {
    await("runtime logs '" + line + "' " + times + "x").atMost(Duration.ofSeconds(20))
        .until(() -> runtime.output().split(java.util.regex.Pattern.quote(line), -1).length - 1 >= times);
  }

  static List<Object> endpoints(int port) {
    return List.of(List.of("127.0.0.1", port));
  }

  // ---- the attacks ----

  @Test
  void publishingOverThePlatformsNamesIsRefusedAndTheyStayWhereTheyWere() throws Exception {
    String storage = endpoint("storage");
    String echo = endpoint("echo");
    int peer;
    try (RawClient a = attacker("locator")) {
      peer = a.localPort();
      assertRefused(call(a, 1, LOCATOR_PUBLISH, NO_TOKEN, "storage", endpoints(1)), 9, 1,
          "locator.publish('storage') needs the access token");
      assertRefused(call(a, 2, LOCATOR_PUBLISH, WRONG_TOKEN, "storage", endpoints(1)), 9, 2,
          "the access token in the 'authorization' header is wrong");
      assertRefused(call(a, 3, LOCATOR_PUBLISH, NO_TOKEN, "echo", endpoints(1)), 9, 1, "needs the access token");
      // even a holder of the token (a worker that was handed it, a mistaken script) cannot take them
      assertRefused(call(a, 4, LOCATOR_PUBLISH, WITH_TOKEN, "storage", endpoints(1)), 9, 3,
          "'storage' is a service of this node itself");
      assertRefused(call(a, 5, LOCATOR_PUBLISH, WITH_TOKEN, "echo", endpoints(1)), 9, 3,
          "'echo' is a service of this node itself");
    }
    // the refused publishes end with the attacker's connection: that must withdraw nothing
    awaitLog("publish of 'storage' by 127.0.0.1:" + peer + " ended", 1);
    awaitLog("publish of 'echo' by 127.0.0.1:" + peer + " ended", 1);
    assertEquals(storage, endpoint("storage"));
    assertEquals(echo, endpoint("echo"));
    cliOk("echo", "app", "list");
    RuntimeProcess.CliResult call = cli(false, "call", "echo", "ping", "still here");
    assertEquals(0, call.exit(), call.output());
    assertTrue(call.output().contains("still here"), call.output());
    assertTrue(runtime.output().contains("locator: refused a call from 127.0.0.1:" + peer), runtime.output());
  }

  @Test
  void aNamePublishedWithTheTokenBelongsToItsConnectionAlone() throws Exception {
    int intruderPort;
    try (RawClient owner = attacker("locator")) {
      assertValue(call(owner, 1, LOCATOR_PUBLISH, WITH_TOKEN, "extern", endpoints(4001)));
      assertEquals("127.0.0.1:4001", endpoint("extern"));
      try (RawClient intruder = attacker("locator")) {
        intruderPort = intruder.localPort();
        assertRefused(call(intruder, 1, LOCATOR_PUBLISH, NO_TOKEN, "extern", endpoints(4002)), 9, 1,
            "needs the access token");
        assertRefused(call(intruder, 2, LOCATOR_PUBLISH, WITH_TOKEN, "extern", endpoints(4002)), 9, 3,
            "'extern' is published by peer 127.0.0.1:" + owner.localPort());
      }
      awaitLog("publish of 'extern' by 127.0.0.1:" + intruderPort + " ended", 1);
      assertEquals("127.0.0.1:4001", endpoint("extern"), "the refused publisher's leaving withdrew nothing");
    }
    await("'extern' withdrawn with its publisher").atMost(Duration.ofSeconds(20)).until(() ->
        assertThrows(CocaineException.class, () -> endpoint("extern")).code().equals(ErrorCode.SERVICE_NOT_AVAILABLE));
  }

  @Test
  void readsOfThePlatformsDataNeedTheToken() throws Exception {
    byte[] manifest = stored("manifests", "echo");
    assertTrue(new String(manifest, StandardCharsets.UTF_8).contains(SECRET));
    try (RawClient a = attacker("storage")) {
      long channel = 1;
      for (String collection : List.of("manifests", "profiles", "apps", "runlists", "groups", "crashlogs")) {
        String key = collection.equals("runlists") ? RUNLIST : collection.equals("groups") ? GROUP : "echo";
        assertRefused(call(a, channel++, STORAGE_READ, NO_TOKEN, collection, key), 9, 1,
            "storage.read('" + collection + "', '" + key + "') reads a private collection and needs the access token");
        assertRefused(call(a, channel++, STORAGE_FIND, NO_TOKEN, collection, List.of("app")), 9, 1,
            "needs the access token");
        assertRefused(call(a, channel++, STORAGE_READ, WRONG_TOKEN, collection, key), 9, 2, "is wrong");
      }
      assertRefused(call(a, channel++, STORAGE_WRITE, NO_TOKEN, "manifests", "echo", "{}"), 9, 1,
          "needs the access token");
      ArrayValue read = call(a, channel++, STORAGE_READ, WITH_TOKEN, "manifests", "echo");
      assertValue(read);
      assertArrayEquals(manifest, read.get(2).asArrayValue().get(0).asRawValue().asByteArray());
    }
    assertArrayEquals(manifest, stored("manifests", "echo"), "the stored manifest is unchanged");

    cliRefused("app", "view", "-n", "echo");
    cliRefused("app", "list");
    cliRefused("profile", "view", "-n", "echo");
    cliRefused("runlist", "view", "-n", RUNLIST);
    cliRefused("group", "view", "-n", GROUP);
    cliRefused("crashlog", "list", "-n", "echo");
    cliOk(SECRET, "app", "view", "-n", "echo");
    cliOk("echo", "app", "list");
    cliOk("pool-limit", "profile", "view", "-n", "echo");
    cliOk("echo", "runlist", "view", "-n", RUNLIST);
    cliOk("echo", "group", "view", "-n", GROUP);
    cliOk("[", "crashlog", "list", "-n", "echo", "--json");
  }

  @Test
  void environmentValuesLeaveTheNodeServiceOnlyWithTheToken() throws Exception {
    try (RawClient a = attacker("node")) {
      ArrayValue info = call(a, 1, NODE_INFO, NO_TOKEN, "echo", 2);
      assertValue(info);
      String text = info.toJson();
      assertFalse(text.contains(SECRET), text);
      assertTrue(text.contains("DB_PASSWORD") && text.contains("<hidden"), text);
      assertTrue(call(a, 2, NODE_INFO, WITH_TOKEN, "echo", 2).toJson().contains(SECRET));
    }
    RuntimeProcess.CliResult hidden = cli(false, "info", "-n", "echo", "-m");
    assertEquals(0, hidden.exit(), hidden.output());
    assertFalse(hidden.output().contains(SECRET), hidden.output());
    cliOk(SECRET, "info", "-n", "echo", "-m");
  }

  @Test
  void settingTheVerbosityNeedsTheToken() throws Exception {
    try (RawClient a = attacker("logging")) {
      ArrayValue before = call(a, 1, LOGGING_VERBOSITY, NO_TOKEN);
      assertValue(before);
      long level = before.get(2).asArrayValue().get(0).asIntegerValue().toLong();
      assertRefused(call(a, 2, LOGGING_SET_VERBOSITY, NO_TOKEN, 3), 9, 1,
          "logging.set_verbosity(3) needs the access token");
      assertRefused(call(a, 3, LOGGING_SET_VERBOSITY, WRONG_TOKEN, 3), 9, 2, "is wrong");
      assertEquals(before.get(2), call(a, 4, LOGGING_VERBOSITY, NO_TOKEN).get(2), "the verbosity is unchanged");
      // the legitimate path: with the token (set to what it is, so other tests are not disturbed)
      assertValue(call(a, 5, LOGGING_SET_VERBOSITY, WITH_TOKEN, level));
    }
  }

  @Test
  void refreshingRoutingGroupsNeedsTheTokenAndTheCliSendsIt() throws Exception {
    try (RawClient a = attacker("locator")) {
      assertRefused(call(a, 1, LOCATOR_REFRESH, NO_TOKEN, List.of(GROUP)), 9, 1,
          "locator.refresh([" + GROUP + "]) needs the access token");
      assertRefused(call(a, 2, LOCATOR_REFRESH, WRONG_TOKEN, List.of(GROUP)), 9, 2, "is wrong");
    }
    cliRefused("group", "refresh", "-n", GROUP);
    cliOk("", "group", "refresh", "-n", GROUP);
    assertEquals(endpoint("echo"), endpoint(GROUP), "the group still resolves to its member");
  }

  @Test
  void theHttpProxyStillReadsManifestsWithTheToken() throws Exception {
    Path stream = APPS.resolve("stream");
    cliOk("uploaded", "app", "upload", stream.toString(), "--name", "stream");
    cliOk("uploaded", "profile", "upload", "-n", "stream", "-r", stream.resolve("profile.json").toString());
    cliOk("started", "app", "start", "-n", "stream", "-r", "stream");
    byte[] body = new byte[10_000];
    Arrays.fill(body, (byte) 'x');
    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + runtime.proxyPort() + "/stream/sink"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), response.body());
    assertTrue(response.body().contains("10000"), response.body());
    awaitLog("app 'stream' takes request bodies streamed", 1);
    assertFalse(runtime.output().contains("cannot read the manifest of 'stream'"), runtime.output());
  }

  @Test
  void aProfileAskingForTheHostsRootIsRefusedAtStartNamingTheSettingThatWouldAllowIt() throws Exception {
    String echo = endpoint("echo");
    Path profile = dir.resolve("root-bind.json");
    Files.writeString(profile, "{\"isolate\": {\"type\": \"docker\", \"args\": {\"volumes\": [\"/:/host:rw\"]}}}");
    cliOk("uploaded", "profile", "upload", "-n", "root-bind", "-r", profile.toString());
    cliOk("uploaded", "app", "upload", APPS.resolve("echo").toString(), "--name", "rooted");
    RuntimeProcess.CliResult start = cli(true, "app", "start", "-n", "rooted", "-r", "root-bind");
    assertEquals(1, start.exit(), start.output());
    assertTrue(start.output().contains("[9, 3]"), start.output());
    assertTrue(start.output().contains("add '/' to cocaine.isolate.docker.allow.binds"), start.output());
    assertEquals(echo, endpoint("echo"), "the running app is untouched");
  }

  @Test
  void anArchiveClimbingOutOfItsFolderIsRefusedAtStartAndNothingIsWritten() throws Exception {
    java.io.ByteArrayOutputStream archive = new java.io.ByteArrayOutputStream();
    try (org.apache.commons.compress.archivers.tar.TarArchiveOutputStream tar =
             new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(archive)) {
      byte[] owned = "owned".getBytes(StandardCharsets.UTF_8);
      var entry = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("../../escaped-by-archive");
      entry.setSize(owned.length);
      tar.putArchiveEntry(entry);
      tar.write(owned);
      tar.closeArchiveEntry();
    }
    cliOk("uploaded", "app", "upload", APPS.resolve("echo").toString(), "--name", "climber");
    cliOk("uploaded", "profile", "upload", "-n", "climber", "-r", APPS.resolve("echo/profile.json").toString());
    // a holder of the token with a hostile archive: the node must not trust it either
    try (RawClient a = attacker("storage")) {
      assertValue(call(a, 1, STORAGE_WRITE, WITH_TOKEN, "apps", "climber", packedBytes(archive.toByteArray()),
          List.of("app")));
    }
    RuntimeProcess.CliResult start = cli(true, "app", "start", "-n", "climber", "-r", "climber");
    assertEquals(1, start.exit(), start.output());
    assertTrue(start.output().contains("entry '../../escaped-by-archive' climbs out of the app folder"), start.output());
    try (var found = Files.walk(runtime.dir())) {
      assertTrue(found.noneMatch(f -> f.getFileName().toString().equals("escaped-by-archive")),
          "the entry was written somewhere under " + runtime.dir());
    }
  }

  /** A byte string as msgpack bin, as the CLI stores an archive. */
  static byte[] packedBytes(byte[] bytes) throws IOException {
    try (org.msgpack.core.MessageBufferPacker p = org.msgpack.core.MessagePack.newDefaultBufferPacker()) {
      p.packBinaryHeader(bytes.length);
      p.writePayload(bytes);
      return p.toByteArray();
    }
  }
}
