package cocaine.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deploy pipeline's checks, which run before anything talks to Docker or the cluster: a bad
 * source is refused with the step and a reason, with nothing built or stored (the endpoints below
 * lead nowhere, so a check that let a bad source through would fail at build instead).
 */
class DeploymentTest {
  static final DeployTarget NOWHERE = new DeployTarget("tcp://127.0.0.1:1", "127.0.0.1:5000", "127.0.0.1", 1,
      Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(15), CallerToken.NONE);

  @TempDir
  Path dir;

  @Test
  void sourceWithoutDockerfileFailsAtCheckSayingWhatToAdd() throws Exception {
    Files.writeString(dir.resolve("run.sh"), "#!/bin/sh\n");
    DeployFailed e = deploy("echo");
    assertEquals("check", e.step());
    assertEquals("no Dockerfile at the top of directory " + dir + ": add one (FROM your base image, COPY the app)"
        + " and deploy again", e.reason());
  }

  @Test
  void unknownKeyInCocaineJsonFailsAtCheck() throws Exception {
    Files.writeString(dir.resolve("Dockerfile"), "FROM scratch\n");
    Files.writeString(dir.resolve("cocaine.json"), "{\"manifest\": {\"slave\": \"run.sh\"}, \"profiel\": {}}");
    DeployFailed e = deploy("echo");
    assertEquals("check", e.step());
    assertEquals("cocaine.json has unknown keys [profiel] (it may have \"manifest\" and \"profile\")", e.reason());
  }

  @Test
  void processIsolateInCocaineJsonIsRefused() throws Exception {
    Files.writeString(dir.resolve("Dockerfile"), "FROM scratch\n");
    Files.writeString(dir.resolve("cocaine.json"), "{\"profile\": {\"isolate\": {\"type\": \"process\"}}}");
    DeployFailed e = deploy("echo");
    assertEquals("check", e.step());
    assertTrue(e.reason().contains("profile.isolate.type must be docker"), e.reason());
  }

  @Test
  void badProfileAndBadManifestAndBadAppNameFailAtCheckNamingTheField() throws Exception {
    Files.writeString(dir.resolve("Dockerfile"), "FROM scratch\n");
    Files.writeString(dir.resolve("cocaine.json"), "{\"profile\": {\"pool-limit\": 0}}");
    assertTrue(deploy("echo").reason().contains("'pool-limit' must be a positive integer"));
    Files.writeString(dir.resolve("cocaine.json"), "{\"profile\": {\"isolate\": {\"args\": {\"memory_limit\": 1024}}}}");
    assertTrue(deploy("echo").reason().contains("memory_limit"));
    Files.writeString(dir.resolve("cocaine.json"), "{\"manifest\": {}}");
    assertTrue(deploy("echo").reason().contains("slave"), deploy("echo").reason());
    Files.writeString(dir.resolve("cocaine.json"), "not json");
    assertTrue(deploy("echo").reason().startsWith("cocaine.json is not valid JSON"));
    Files.delete(dir.resolve("cocaine.json"));
    assertTrue(deploy("Echo App").reason().contains("cannot be a Docker image name"));
  }

  @Test
  void unknownProfileKeysAndDockerArgsPassTheCheckWithAWarningEach() throws Exception {
    Files.writeString(dir.resolve("Dockerfile"), "FROM scratch\n");
    Files.writeString(dir.resolve("cocaine.json"), "{\"profile\": {\"startup-timeout\": 20, \"pool_limit\": 2,"
        + " \"isolate\": {\"args\": {\"cwd\": \"/app\"}}}}");
    List<String> said = new ArrayList<>();
    DeployFailed e = assertThrows(DeployFailed.class,
        () -> Deployment.run(NOWHERE, "echo", "v1", new DirectorySource(dir), said::add, "test"));
    assertEquals("lease", e.step(), "the check let it through: " + e.reason());
    assertEquals(List.of(
        "check: warning: profile 'echo': 'startup-timeout' is the 0.11 name of 'spawn-timeout' and 'handshake-timeout':"
            + " read as 'spawn-timeout' and 'handshake-timeout' = 20",
        "check: warning: profile 'echo': unknown key 'pool_limit' is ignored (did you mean 'pool-limit'?)",
        "check: warning: profile 'echo': unknown arg 'isolate.args.cwd' of the docker isolate is ignored"),
        said.stream().filter(l -> l.startsWith("check: warning")).toList());
  }

  @Test
  void unreachableClusterFailsAtTheLeaseBeforeAnythingIsBuilt() throws Exception {
    Files.writeString(dir.resolve("Dockerfile"), "FROM scratch\n");
    DeployFailed e = deploy("echo");
    assertEquals("lease", e.step());
    assertTrue(e.reason().contains("127.0.0.1:1"), e.reason());
  }

  @Test
  void directoryContextKeepsExecutableBitsAndLeavesOutGitHistory() throws Exception {
    Path run = Files.writeString(dir.resolve("run.sh"), "#!/bin/sh\n");
    Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.createDirectories(dir.resolve("lib"));
    Files.writeString(dir.resolve("lib/a.jar"), "jar");
    Files.createDirectories(dir.resolve(".git"));
    Files.writeString(dir.resolve(".git/HEAD"), "ref: refs/heads/main\n");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new DirectorySource(dir).writeTar(out);

    Map<String, Integer> modes = new LinkedHashMap<>();
    try (TarArchiveInputStream tar = new TarArchiveInputStream(new ByteArrayInputStream(out.toByteArray()))) {
      TarArchiveEntry e;
      while ((e = tar.getNextTarEntry()) != null) {
        modes.put(e.getName(), e.getMode() & 0777);
      }
    }
    assertEquals(List.of("lib/", "lib/a.jar", "run.sh"), new ArrayList<>(modes.keySet()));
    assertEquals(0755, modes.get("run.sh"));
    assertEquals(0644, modes.get("lib/a.jar"));
  }

  private DeployFailed deploy(String app) {
    List<String> said = new ArrayList<>();
    return assertThrows(DeployFailed.class, () -> Deployment.run(NOWHERE, app, "v1", new DirectorySource(dir), said::add, "test"));
  }
}
