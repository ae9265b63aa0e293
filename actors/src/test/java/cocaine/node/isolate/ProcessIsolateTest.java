package cocaine.node.isolate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessIsolateTest {
  @TempDir
  Path dir;
  final ExecutorService blocking = Executors.newFixedThreadPool(2);
  final ExecutorService outputs = ProcessIsolate.outputReaders(4);
  final Isolate.OutputPolicy policy = new Isolate.OutputPolicy(50, 4096, false);

  @AfterEach
  void stop() {
    blocking.shutdownNow();
    outputs.shutdownNow();
  }

  private Isolate isolate(String slave, Map<String, Object> args) {
    return ProcessIsolate.factory(dir.resolve("spool"), blocking, outputs).create("app", slave, "process", args, policy);
  }

  private static ProcessPolicy allowing(Path spoolRoot, String... users) {
    return new ProcessPolicy(spoolRoot, Set.of(users), 1L << 30, 1000);
  }

  private byte[] tarGz(Path content) throws Exception {
    Path archive = dir.resolve("app.tar.gz");
    Process tar = new ProcessBuilder("tar", "-czf", archive.toString(), "-C", content.toString(), ".").inheritIO().start();
    assertEquals(0, tar.waitFor());
    return Files.readAllBytes(archive);
  }

  private static TreeMap<String, String> args() {
    TreeMap<String, String> args = new TreeMap<>();
    args.put("uuid", "u-1");
    args.put("app", "app");
    args.put("protocol", "1");
    return args;
  }

  @Test
  void unpacksTheArchiveAndRunsARelativeSlaveWithoutItsExecutableBit() throws Exception {
    Path content = Files.createDirectories(dir.resolve("content/bin"));
    Files.writeString(content.resolve("worker"), "echo \"args: $*\"\necho \"pwd: $(pwd)\"\necho \"env: $GREETING\"\nexit 7\n");
    Isolate isolate = isolate("bin/worker", Map.of());

    isolate.spool(Optional.of(tarGz(dir.resolve("content")))).toCompletableFuture().get(30, TimeUnit.SECONDS);
    Isolate.Worker worker = isolate.spawn(args(), Map.of("GREETING", "hello")).toCompletableFuture().get(30, TimeUnit.SECONDS);

    assertEquals(7, worker.exit().toCompletableFuture().get(30, TimeUnit.SECONDS));
    assertEquals(List.of("args: --app app --protocol 1 --uuid u-1", "pwd: " + dir.resolve("spool/app").toRealPath(),
        "env: hello"), worker.output());
  }

  @Test
  void respoolingReplacesTheOldFiles() throws Exception {
    Path content = Files.createDirectories(dir.resolve("content"));
    Files.writeString(content.resolve("worker"), "exit 0\n");
    Files.writeString(content.resolve("old-file"), "x");
    Isolate isolate = isolate("worker", Map.of());
    isolate.spool(Optional.of(tarGz(content))).toCompletableFuture().get(30, TimeUnit.SECONDS);
    Files.delete(content.resolve("old-file"));

    isolate.spool(Optional.of(tarGz(content))).toCompletableFuture().get(30, TimeUnit.SECONDS);

    assertTrue(Files.exists(dir.resolve("spool/app/worker")));
    assertTrue(Files.notExists(dir.resolve("spool/app/old-file")));
  }

  @Test
  void discardRemovesOnlyTheFolderItUnpackedAndAFailureIsNoCrash() throws Exception {
    Path content = Files.createDirectories(dir.resolve("content"));
    Files.writeString(content.resolve("worker"), "exit 0\n");
    Isolate retired = isolate("worker", Map.of());
    retired.spool(Optional.of(tarGz(content))).toCompletableFuture().get(30, TimeUnit.SECONDS);
    Isolate next = isolate("worker", Map.of()); // another life of the app, unpacked over the same folder
    next.spool(Optional.of(tarGz(content))).toCompletableFuture().get(30, TimeUnit.SECONDS);

    retired.discard();
    assertTrue(Files.exists(dir.resolve("spool/app/worker")), "not the folder it unpacked: left to its owner");

    next.discard();
    assertTrue(Files.notExists(dir.resolve("spool/app")));
    next.discard(); // gone already: nothing to do, no exception
    isolate("/bin/true", Map.of()).discard(); // unpacked nothing: removes nothing
  }

  @Test
  void sweepRemovesSlotFoldersOnlyAndAMissingSpoolIsNoError() throws Exception {
    Path spool = dir.resolve("spool");
    SideBySide.sweep(spool);
    Files.createDirectories(SideBySide.spool(spool, 1).resolve("app"));
    Files.createDirectories(SideBySide.spool(spool, 2));
    Files.createDirectories(spool.resolve("app"));

    SideBySide.sweep(spool);

    try (var left = Files.list(spool)) {
      assertEquals(List.of(spool.resolve("app")), left.toList());
    }
  }

  @Test
  void noArchiveAndARelativeSlaveIsRefusedNamingBoth() {
    Isolate isolate = isolate("run.sh", Map.of());

    var e = assertThrows(CompletionException.class, () -> isolate.spool(Optional.empty()).toCompletableFuture().join());

    CocaineException c = (CocaineException) e.getCause();
    assertEquals(ErrorCode.NOT_FOUND, c.code());
    assertTrue(c.getMessage().contains("no archive in storage (apps/app)") && c.getMessage().contains("'run.sh'"), c.getMessage());
  }

  @Test
  void aBrokenArchiveIsASpoolError() {
    Isolate isolate = isolate("run.sh", Map.of());

    var e = assertThrows(CompletionException.class,
        () -> isolate.spool(Optional.of("not a tar".getBytes())).toCompletableFuture().join());

    assertEquals(ErrorCode.SPOOL_ERROR, ((CocaineException) e.getCause()).code());
  }

  @Test
  void killSendsTermThenKillAfterKillTimeout() throws Exception {
    Path script = dir.resolve("stubborn.sh");
    Files.writeString(script, "#!/bin/sh\ntrap 'echo got TERM' TERM\necho ready\nwhile true; do sleep 0.05; done\n");
    script.toFile().setExecutable(true);
    Isolate isolate = isolate(script.toString(), Map.of("kill_timeout", 0.5));
    isolate.spool(Optional.empty()).toCompletableFuture().get(30, TimeUnit.SECONDS);
    Isolate.Worker worker = isolate.spawn(args(), Map.of()).toCompletableFuture().get(30, TimeUnit.SECONDS);
    org.awaitility.Awaitility.await().until(() -> worker.output().contains("ready"));

    worker.kill();

    assertEquals(128 + 9, worker.exit().toCompletableFuture().get(30, TimeUnit.SECONDS));
    assertTrue(worker.output().contains("got TERM"), worker.output().toString());
  }

  @Test
  void workerRunsAsTheProfilesUserAndStillReachesItsSocket() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
    // nobody must be able to walk to the test's folders, as it walks /tmp/cocaine/run on a node
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
    Path socket = dir.resolve("run").resolve("app.1");
    Files.createDirectories(socket.getParent());
    try (var server = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
      server.bind(java.net.UnixDomainSocketAddress.of(socket));
      Files.setPosixFilePermissions(socket.getParent(), PosixFilePermissions.fromString("rwx------"));
      Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
      Path script = dir.resolve("whoami.sh");
      Files.writeString(script, "#!/bin/sh\necho uid=$(id -u) caps=$(grep CapEff /proc/self/status | tr -d '\\t')\n"
          + "python3 -c \"import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); print('connected')\" $2\n");
      Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
      Isolate isolate = ProcessIsolate.factory(allowing(dir, "nobody"), blocking, outputs, Isolate.OutputListener.NONE)
          .create("app", script.toString(), "process", Map.of("user", "nobody"), policy);
      isolate.spool(Optional.empty()).toCompletableFuture().get(30, TimeUnit.SECONDS);
      TreeMap<String, String> argv = new TreeMap<>();
      argv.put("endpoint", socket.toString());
      Isolate.Worker worker = isolate.spawn(argv, Map.of()).toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertEquals(0, worker.exit().toCompletableFuture().get(30, TimeUnit.SECONDS), worker.output().toString());
      assertEquals(List.of("uid=65534 caps=CapEff:0000000000000000", "connected"), worker.output());
      assertEquals("nobody", Files.getOwner(socket).getName());
      assertEquals("rwx--x--x", PosixFilePermissions.toString(
          Files.getPosixFilePermissions(socket.getParent())));
    }
  }

  @Test
  void anUnknownUserIsRefusedNamingTheField() {
    var e = assertThrows(CocaineException.class, () -> ProcessIsolate.factory(allowing(dir, "no-such-user-4711"),
        blocking, outputs, Isolate.OutputListener.NONE)
        .create("app", "/bin/true", "process", Map.of("user", "no-such-user-4711"), policy));
    assertEquals("app 'app': profile field 'isolate.args.user': no user 'no-such-user-4711' on this node", e.getMessage());
  }

  @Test
  void aUserTheOperatorDidNotAllowIsRefusedNamingTheSetting() {
    var e = assertThrows(CocaineException.class, () -> ProcessIsolate.factory(allowing(dir, "daemon"), blocking,
        outputs, Isolate.OutputListener.NONE).create("app", "/bin/true", "process", Map.of("user", "root"), policy));
    assertEquals(ErrorCode.PERMISSION_DENIED, e.code());
    assertEquals("app 'app': profile field 'isolate.args.user' = 'root' is not allowed on this node: add 'root' to"
        + " cocaine.isolate.process.allow.users (allowed now: daemon)", e.getMessage());
  }

  @Test
  void aSpoolOutsideTheRootIsRefusedAndNothingThereIsDeleted() throws Exception {
    Path keep = Files.createDirectories(dir.resolve("precious/app")).resolve("keep");
    Files.writeString(keep, "x");
    Path content = Files.createDirectories(dir.resolve("content"));
    Files.writeString(content.resolve("worker"), "exit 0\n");
    byte[] archive = tarGz(content);

    for (String spool : List.of(dir.resolve("precious").toString(), dir.resolve("spool/../precious").toString())) {
      var e = assertThrows(CocaineException.class, () -> isolate("worker", Map.of("spool", spool)));
      assertEquals(ErrorCode.PERMISSION_DENIED, e.code());
      assertTrue(e.getMessage().contains("profile field 'isolate.args.spool' = '" + spool + "' is outside the spool"
          + " root " + dir.resolve("spool") + " (cocaine.paths.spool)"), e.getMessage());
    }
    // inside the root by name, outside once the symlink is followed: refused when the folder is touched
    Files.createDirectories(dir.resolve("spool"));
    Files.createSymbolicLink(dir.resolve("spool/link"), dir.resolve("precious"));
    Isolate linked = isolate("worker", Map.of("spool", dir.resolve("spool/link").toString()));
    var e = assertThrows(CompletionException.class, () -> linked.spool(Optional.of(archive)).toCompletableFuture().join());
    assertEquals(ErrorCode.PERMISSION_DENIED, ((CocaineException) e.getCause()).code());
    assertTrue(e.getCause().getMessage().contains(dir.resolve("precious") + " once its symlinks are resolved"),
        e.getCause().getMessage());

    assertEquals("x", Files.readString(keep));
    try (var left = Files.list(dir.resolve("precious"))) {
      assertEquals(List.of(dir.resolve("precious/app")), left.toList());
    }
  }

  @Test
  void aSpoolBelowTheRootIsUsed() throws Exception {
    Path content = Files.createDirectories(dir.resolve("content"));
    Files.writeString(content.resolve("worker"), "exit 0\n");
    Isolate isolate = isolate("worker", Map.of("spool", dir.resolve("spool/team").toString()));

    isolate.spool(Optional.of(tarGz(content))).toCompletableFuture().get(30, TimeUnit.SECONDS);

    assertTrue(Files.exists(dir.resolve("spool/team/app/worker")));
  }

  @Test
  void workersRunWithNoNewPrivileges() throws Exception {
    Path script = dir.resolve("nnp.sh");
    Files.writeString(script, "#!/bin/sh\ngrep NoNewPrivs /proc/self/status | tr -d '\\t'\n");
    script.toFile().setExecutable(true);
    Isolate isolate = isolate(script.toString(), Map.of());
    isolate.spool(Optional.empty()).toCompletableFuture().get(30, TimeUnit.SECONDS);

    Isolate.Worker worker = isolate.spawn(args(), Map.of()).toCompletableFuture().get(30, TimeUnit.SECONDS);

    assertEquals(0, worker.exit().toCompletableFuture().get(30, TimeUnit.SECONDS), worker.output().toString());
    assertEquals(List.of("NoNewPrivs:1"), worker.output());
  }

  @Test
  void aHostileArchiveIsRefusedAndTheAppsFolderStaysAsItWas() throws Exception {
    Path content = Files.createDirectories(dir.resolve("content"));
    Files.writeString(content.resolve("worker"), "exit 0\n");
    Isolate isolate = isolate("worker", Map.of());
    isolate.spool(Optional.of(tarGz(content))).toCompletableFuture().get(30, TimeUnit.SECONDS);
    Path outside = dir.resolve("spool/evil");

    var e = assertThrows(CompletionException.class, () -> isolate.spool(Optional.of(
        AppArchiveTest.tar(AppArchiveTest.file("../evil", "owned")))).toCompletableFuture().join());

    CocaineException c = (CocaineException) e.getCause();
    assertEquals(ErrorCode.SPOOL_ERROR, c.code());
    assertEquals("app 'app': the archive (apps/app) is refused, nothing was unpacked: entry '../evil' climbs out of"
        + " the app folder with '..'", c.getMessage());
    assertTrue(Files.notExists(outside));
    assertTrue(Files.exists(dir.resolve("spool/app/worker")), "the previous unpack stays");
    try (var left = Files.list(dir.resolve("spool"))) {
      assertEquals(List.of(dir.resolve("spool/app")), left.toList(), "no temporary folder is left");
    }
  }

  @Test
  void unsupportedIsolateTypeIsRefusedNamingTheField() {
    var e = assertThrows(CocaineException.class, () -> ProcessIsolate.factory(dir, blocking, outputs)
        .create("app", "run.sh", "docker", Map.of(), policy));
    assertTrue(e.getMessage().contains("'isolate.type'"), e.getMessage());
    var bad = assertThrows(CocaineException.class, () -> isolate("run.sh", Map.of("kill_timeout", "soon")));
    assertTrue(bad.getMessage().contains("'isolate.args.kill_timeout'"), bad.getMessage());
  }

  @Test
  void spawnsBeyondTheOutputReaderBoundFailClearly() throws Exception {
    ExecutorService one = ProcessIsolate.outputReaders(1);
    try {
      Path script = dir.resolve("sleeper.sh");
      Files.writeString(script, "#!/bin/sh\nexec sleep 30\n");
      script.toFile().setExecutable(true);
      Isolate isolate = ProcessIsolate.factory(dir.resolve("spool"), blocking, one).create("app", script.toString(), "process",
          Map.of("kill_timeout", 0.2), policy);
      isolate.spool(Optional.empty()).toCompletableFuture().get(30, TimeUnit.SECONDS);
      Isolate.Worker first = isolate.spawn(args(), Map.of()).toCompletableFuture().get(30, TimeUnit.SECONDS);

      var e = assertThrows(CompletionException.class, () -> isolate.spawn(args(), Map.of()).toCompletableFuture().join());

      assertEquals(ErrorCode.RESOURCE, ((CocaineException) e.getCause()).code());
      first.kill();
      first.exit().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } finally {
      one.shutdownNow();
    }
  }

}
