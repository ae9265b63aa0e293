package cocaine.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.config.BalancerSettings.Gateway;
import cocaine.config.ClusterSettings.Type;
import cocaine.config.LoggingSettings.Sink;
import cocaine.config.LoggingSettings.Verbosity;
import cocaine.config.StorageSettings.Backend;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SettingsTest {
  @TempDir
  Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"node", "balancer", "proxy", "builder"})
  void eachRoleLoadsWithoutAFileAndPlaysItself(String role) {
    Settings s = Settings.load(role, Optional.empty());
    assertEquals(Role.named(role).orElseThrow(), s.roles());
  }

  @Test
  void allRolePlaysEveryRoleWithEmbeddedDefaults() {
    Settings s = Settings.load("all", Optional.empty());
    assertEquals(EnumSet.allOf(Role.class), s.roles());
    assertTrue(s.plays(Role.NODE) && s.plays(Role.BALANCER) && s.plays(Role.PROXY) && s.plays(Role.BUILDER));
    assertEquals(Backend.FILES, s.storage().backend());
    assertEquals(Type.NONE, s.locator().cluster().type());
    assertEquals(Gateway.USERSPACE, s.balancer().gateway());
  }

  @Test
  void nodeAndBalancerDiscoverByMulticast() {
    assertEquals(Type.MULTICAST, Settings.load("node", Optional.empty()).locator().cluster().type());
    assertEquals(Type.MULTICAST, Settings.load("balancer", Optional.empty()).locator().cluster().type());
    assertFalse(Settings.load("proxy", Optional.empty()).plays(Role.NODE));
  }

  @Test
  void referenceDefaultsAreTheDocumentedOnes() {
    Settings s = Settings.load("all", Optional.empty());
    assertEquals(new NetworkSettings("127.0.0.1", "127.0.0.1", 10053, new NetworkSettings.PortRange(0, 0),
        65 * 1024 * 1024, 16, 1024, 64L * 1024 * 1024, 1024, Runtime.getRuntime().maxMemory() / 4,
        Runtime.getRuntime().maxMemory() / 4, true), s.network());
    assertTrue(s.network().sharedPorts().osAssigned());
    assertEquals(new PathsSettings(Path.of("/tmp/cocaine/run"), Path.of("/tmp/cocaine/spool"),
        Path.of("/tmp/cocaine/storage")), s.paths());
    assertEquals(new ZookeeperSettings("127.0.0.1:2181", "/cocaine", Duration.ofSeconds(15)), s.storage().zookeeper());
    assertEquals(new LoggingSettings(Verbosity.INFO, Set.of(Sink.CONSOLE), Path.of("/tmp/cocaine/log/cocaine.jsonl"),
        new LoggingSettings.Ring(true, Path.of("/tmp/cocaine/log/ring"), 8L * 1024 * 1024, 8, 8192,
            Duration.ofMillis(200))), s.logging());
    assertEquals(new NodeSettings("default", Duration.ofSeconds(30), "", Duration.ofSeconds(5),
        Duration.ofSeconds(30), Duration.ofSeconds(30), 16), s.node());
    assertEquals(new ClusterSettings(Type.NONE, "239.0.100.53", 10053, Duration.ofSeconds(5), false, 1, Map.of(), "/cocaine-nodes"),
        s.locator().cluster());
    assertEquals(List.of(), s.locator().restrict());
    assertEquals(Map.of(), s.locator().extra());
    assertEquals(new BalancerSettings(Gateway.USERSPACE, "127.0.0.1"), s.balancer());
    assertEquals(new ProxySettings("0.0.0.0", 8080, 32, Duration.ofSeconds(60), Duration.ofSeconds(30),
        64L * 1024 * 1024, 2), s.proxy());
    assertEquals(new AdminSettings("127.0.0.1", 8081, ""), s.admin());
  }

  @Test
  void userFileOverridesRoleFileAndReference() throws IOException {
    Path file = write("""
        cocaine {
          network.host = "0.0.0.0"
          locator.cluster.type = none
          proxy.max-body-bytes = 1MiB
          node.ask-timeout = 1500ms
        }
        """);
    Settings s = Settings.load("node", Optional.of(file));
    assertEquals("0.0.0.0", s.network().host());
    assertEquals(Type.NONE, s.locator().cluster().type());
    assertEquals(1024 * 1024, s.proxy().maxBodyBytes());
    assertEquals(Duration.ofMillis(1500), s.node().askTimeout());
  }

  @Test
  void unknownKeyStopsStartupNamingKeyAndFile() throws IOException {
    Path file = write("""
        cocaine {
          network.host = "0.0.0.0"
          netwrk.host = "10.0.0.1"
        }
        """);
    SettingsException e = assertThrows(SettingsException.class, () -> Settings.load("node", Optional.of(file)));
    assertTrue(e.getMessage().startsWith("unknown key 'cocaine.netwrk.host' in " + file + ":3"), e.getMessage());
  }

  @Test
  void aRuntimeFolderTooLongForItsWorkerSocketsStopsStartup() throws IOException {
    String fits = "/" + "r".repeat(PathsSettings.MAX_RUNTIME_BYTES - 1);
    Path ok = write("cocaine.paths.runtime = \"" + fits + "\"\n");
    assertEquals(Path.of(fits), Settings.load("node", Optional.of(ok)).paths().runtime());
    Path file = write("cocaine.paths.runtime = \"" + fits + "r\"\n");
    SettingsException e = assertThrows(SettingsException.class, () -> Settings.load("node", Optional.of(file)));
    assertTrue(e.getMessage().startsWith("bad value for 'cocaine.paths.runtime' in " + file + ":1: must be a folder"
        + " whose absolute path has at most 77 bytes"), e.getMessage());
  }

  @Test
  void unknownKeySuggestsTheClosestKnownOne() throws IOException {
    Path file = write("cocaine.proxy.pool_size = 3\n");
    SettingsException e = assertThrows(SettingsException.class, () -> Settings.load("proxy", Optional.of(file)));
    assertEquals("unknown key 'cocaine.proxy.pool_size' in " + file + ":1 (did you mean 'cocaine.proxy.pool-size'?)",
        e.getMessage());
  }

  @Test
  void everyUnknownKeyIsListedInFileOrder() throws IOException {
    Path file = write("""
        cocaine.admin.tokn = "x"
        cocaine.colour = blue
        """);
    SettingsException e = assertThrows(SettingsException.class, () -> Settings.load("all", Optional.of(file)));
    List<String> lines = e.getMessage().lines().toList();
    assertEquals(2, lines.size(), e.getMessage());
    assertTrue(lines.get(0).startsWith("unknown key 'cocaine.admin.tokn' in " + file + ":1"), lines.get(0));
    assertTrue(lines.get(1).startsWith("unknown key 'cocaine.colour' in " + file + ":2"), lines.get(1));
  }

  @Test
  void keysOutsideCocaineAreLeftToTheirOwners() throws IOException {
    Path file = write("""
        pekko.loglevel = DEBUG
        someone-else.key = 1
        """);
    Settings s = Settings.load("all", Optional.of(file));
    assertEquals("DEBUG", s.config().getString("pekko.loglevel"));
  }

  @Test
  void freeMapsTakeAnyKeys() throws IOException {
    Path file = write("""
        cocaine.locator {
          extra { x-cocaine-cluster = prod, "with.dot" = 1, nested { a = [1, 2] } }
          cluster { type = predefine, nodes { node-a = "10.0.0.1:10053", "3f1c-uuid" = "[::1]:10054" } }
        }
        """);
    Settings s = Settings.load("balancer", Optional.of(file));
    assertEquals("prod", s.locator().extra().get("x-cocaine-cluster"));
    assertEquals(1, s.locator().extra().get("with.dot"));
    assertEquals(Map.of("a", List.of(1, 2)), s.locator().extra().get("nested"));
    assertEquals(Map.of("node-a", InetSocketAddress.createUnresolved("10.0.0.1", 10053),
        "3f1c-uuid", InetSocketAddress.createUnresolved("::1", 10054)), s.locator().cluster().nodes());
  }

  @Test
  void predefineWithoutNodesIsRefused() throws IOException {
    Path file = write("cocaine.locator.cluster.type = predefine\n");
    SettingsException e = assertThrows(SettingsException.class, () -> Settings.load("balancer", Optional.of(file)));
    assertTrue(e.getMessage().startsWith("bad value for 'cocaine.locator.cluster.nodes'"), e.getMessage());
  }

  @Test
  void nodeEndpointWithoutPortIsRefusedByName() throws IOException {
    Path file = write("cocaine.locator.cluster { type = predefine, nodes { a = \"10.0.0.1\" } }\n");
    SettingsException e = assertThrows(SettingsException.class, () -> Settings.load("balancer", Optional.of(file)));
    assertEquals("bad value for 'cocaine.locator.cluster.nodes.a' in " + file + ":1: must be \"host:port\", got \"10.0.0.1\"",
        e.getMessage());
  }

  @Test
  void badTypeNamesKeyAndFile() throws IOException {
    Path file = write("""
        # a comment first
        cocaine.network.locator-port = "http"
        """);
    SettingsException e = assertThrows(SettingsException.class, () -> Settings.load("node", Optional.of(file)));
    assertEquals("bad value for 'cocaine.network.locator-port' in " + file
        + ":2: must be an integer from 0 to 65535, got \"http\"", e.getMessage());
  }

  @Test
  void portOutOfRangeIsRefused() {
    SettingsException e = assertThrows(SettingsException.class, () -> load("cocaine.admin.port = 70000"));
    assertTrue(e.getMessage().contains("'cocaine.admin.port'"), e.getMessage());
  }

  @Test
  void objectWhereAValueBelongsNamesKeyAndFile() throws IOException {
    Path file = write("cocaine.network.host { a = 1 }\n");
    SettingsException e = assertThrows(SettingsException.class, () -> Settings.load("all", Optional.of(file)));
    assertTrue(e.getMessage().startsWith("bad value for 'cocaine.network.host' in " + file + ":1: must be a string"),
        e.getMessage());
  }

  @Test
  void builderDefaultsToThisProcesssLocatorAndTheDataFoldersKeys() {
    BuilderSettings b = BuilderSettings.from(Settings.load("all", com.typesafe.config.ConfigFactory.parseString(
        "cocaine { network.locator-port = 12345, node.runlist = apps, builder.data = \"/srv/builder\" }")));
    assertEquals("127.0.0.1", b.host());
    assertEquals(2222, b.port());
    assertEquals(Path.of("/srv/builder/authorized_keys"), b.authorizedKeys());
    assertEquals("127.0.0.1", b.locatorHost());
    assertEquals(12345, b.locatorPort());
    assertEquals(Duration.ofSeconds(15), b.nodeGone());
    assertEquals("127.0.0.1:5000", b.registry());
    assertEquals(Duration.ofMinutes(10), b.buildTimeout());
    assertFalse(b.allowUnscopedKeys());
    assertEquals(256L * 1024 * 1024, b.maxPushBytes());
  }

  @Test
  void builderPushSizeIsASizeAndAtLeastOneByte() {
    BuilderSettings b = BuilderSettings.from(Settings.load("all", com.typesafe.config.ConfigFactory.parseString(
        "cocaine.builder { max-push-size = 4MiB, allow-unscoped-keys = true }")));
    assertEquals(4L * 1024 * 1024, b.maxPushBytes());
    assertTrue(b.allowUnscopedKeys());
    SettingsException zero = assertThrows(SettingsException.class, () -> BuilderSettings.from(Settings.load("all",
        com.typesafe.config.ConfigFactory.parseString("cocaine.builder.max-push-size = 0"))));
    assertTrue(zero.getMessage().startsWith("bad value for 'cocaine.builder.max-push-size'"), zero.getMessage());
  }

  @Test
  void builderRefusesALocatorThatIsNotHostPortAndARegistryWithAPath() {
    SettingsException locator = assertThrows(SettingsException.class, () -> BuilderSettings.from(Settings.load("all",
        com.typesafe.config.ConfigFactory.parseString("cocaine.builder.locator = \"10.0.0.1\""))));
    assertTrue(locator.getMessage().startsWith("bad value for 'cocaine.builder.locator'"), locator.getMessage());
    SettingsException registry = assertThrows(SettingsException.class, () -> BuilderSettings.from(Settings.load("all",
        com.typesafe.config.ConfigFactory.parseString("cocaine.builder.registry = \"http://r:5000/x\""))));
    assertTrue(registry.getMessage().contains("must be host[:port] without a scheme or path"), registry.getMessage());
  }

  @Test
  void valueWhereASectionBelongsNamesKeyAndFile() throws IOException {
    Path file = write("cocaine.network = 5\n");
    SettingsException e = assertThrows(SettingsException.class, () -> Settings.load("all", Optional.of(file)));
    assertEquals("bad value for 'cocaine.network' in " + file + ":1: must be an object { ... }, got 5", e.getMessage());
  }

  @Test
  void durationWithoutUnitIsRefusedBecauseHoconWouldReadMilliseconds() {
    SettingsException e = assertThrows(SettingsException.class, () -> load("cocaine.locator.cluster.interval = 5"));
    assertEquals("bad value for 'cocaine.locator.cluster.interval' in overrides: 1: "
        + "must be a duration with a unit, like 5s or 500ms, got 5", e.getMessage());
  }

  @Test
  void zeroDurationIsRefused() {
    SettingsException e = assertThrows(SettingsException.class, () -> load("cocaine.proxy.timeout = 0s"));
    assertTrue(e.getMessage().contains("'cocaine.proxy.timeout'") && e.getMessage().contains("longer than zero"),
        e.getMessage());
  }

  @Test
  void badSizeIsRefused() {
    SettingsException e = assertThrows(SettingsException.class, () -> load("cocaine.network.max-frame-bytes = lots"));
    assertTrue(e.getMessage().contains("'cocaine.network.max-frame-bytes'"), e.getMessage());
  }

  @Test
  void wireBudgetIsAQuarterOfTheHeapOrTheSizeGiven() {
    assertEquals(Runtime.getRuntime().maxMemory() / 4, load("").network().wireBudgetBytes());
    assertEquals(256L << 20, load("cocaine.network.wire-budget = 256MiB").network().wireBudgetBytes());
    SettingsException e = assertThrows(SettingsException.class, () -> load("cocaine.network.wire-budget = 0"));
    assertTrue(e.getMessage().contains("'cocaine.network.wire-budget'"), e.getMessage());
  }

  @Test
  void messageBudgetIsAQuarterOfTheHeapOrTheSizeGiven() {
    assertEquals(Runtime.getRuntime().maxMemory() / 4, load("").network().messageBudgetBytes());
    assertEquals(32L << 20, load("cocaine.network.message-budget = 32MiB").network().messageBudgetBytes());
    SettingsException e = assertThrows(SettingsException.class, () -> load("cocaine.network.message-budget = 0"));
    assertTrue(e.getMessage().contains("'cocaine.network.message-budget'"), e.getMessage());
  }

  @Test
  void frameLimitFollowsTheBodyLimitByDefault() {
    Settings s = load("");
    assertEquals(64L << 20, s.proxy().maxBodyBytes());
    assertEquals((64 << 20) + FrameAndBody.HEAD_ALLOWANCE, s.network().maxFrameBytes());
    Settings bigger = load("cocaine.proxy.max-body-bytes = 100MiB");
    assertEquals((100 << 20) + FrameAndBody.HEAD_ALLOWANCE, bigger.network().maxFrameBytes());
  }

  @Test
  void bodyLimitFollowsAConfiguredFrameLimit() {
    assertEquals((16L << 20) - FrameAndBody.HEAD_ALLOWANCE,
        load("cocaine.network.max-frame-bytes = 16MiB").proxy().maxBodyBytes());
    // a small frame keeps half of itself for the head
    assertEquals(512 * 1024, load("cocaine.network.max-frame-bytes = 1MiB").proxy().maxBodyBytes());
  }

  @Test
  void aBodyLimitAboveTheFrameIsForStreamingAppsOnly() {
    Settings s = load("cocaine.network.max-frame-bytes = 16MiB\ncocaine.proxy.max-body-bytes = 2GiB");
    assertEquals(2L << 30, s.proxy().maxBodyBytes());
    assertEquals(16 << 20, s.network().maxFrameBytes());
    assertEquals((16L << 20) - FrameAndBody.HEAD_ALLOWANCE, FrameAndBody.wholeBodyBytes(16 << 20, 2L << 30));
    // alone, a body limit beyond what a frame can be makes the largest frame
    assertEquals(Integer.MAX_VALUE, load("cocaine.proxy.max-body-bytes = 4GiB").network().maxFrameBytes());
  }

  @Test
  void unknownChoiceListsTheAllowedOnes() {
    SettingsException e = assertThrows(SettingsException.class, () -> load("cocaine.storage.backend = file"));
    assertEquals("bad value for 'cocaine.storage.backend' in overrides: 1: must be one of files, zookeeper, got \"file\"",
        e.getMessage());
  }

  @Test
  void badListElementIsNamedByIndex() {
    SettingsException e = assertThrows(SettingsException.class, () -> load("cocaine.logging.sinks = [console, consol]"));
    assertTrue(e.getMessage().startsWith("bad value for 'cocaine.logging.sinks[1]'"), e.getMessage());
  }

  @Test
  void nullValueIsRefusedByName() {
    SettingsException e = assertThrows(SettingsException.class, () -> load("cocaine.network.hostname = null"));
    assertTrue(e.getMessage().startsWith("bad value for 'cocaine.network.hostname' in overrides: 1: must be set"),
        e.getMessage());
  }

  @Test
  void sharedPortsMustBeAnOrderedPair() {
    assertThrows(SettingsException.class, () -> load("cocaine.network.shared-ports = [1000]"));
    assertThrows(SettingsException.class, () -> load("cocaine.network.shared-ports = [2000, 1000]"));
    assertEquals(new NetworkSettings.PortRange(32768, 61000),
        load("cocaine.network.shared-ports = [32768, 61000]").network().sharedPorts());
  }

  @Test
  void emptyRolesAreRefused() {
    SettingsException e = assertThrows(SettingsException.class, () -> load("cocaine.roles = []"));
    assertTrue(e.getMessage().contains("'cocaine.roles'"), e.getMessage());
  }

  @Test
  void rolesListCanCombineRoles() {
    assertEquals(EnumSet.of(Role.NODE, Role.PROXY), load("cocaine.roles = [node, proxy]").roles());
  }

  @Test
  void emptyUuidIsRandomAtEachLoadAndAGivenOneIsKept() {
    String first = Settings.load("node", Optional.empty()).uuid();
    String second = Settings.load("node", Optional.empty()).uuid();
    assertNotEquals(first, second);
    UUID.fromString(first);
    assertEquals("node-a", load("cocaine.uuid = node-a").uuid());
  }

  @Test
  void unknownRoleIsRefusedListingTheRoles() {
    SettingsException e = assertThrows(SettingsException.class, () -> Settings.load("nod", Optional.empty()));
    assertEquals("unknown role 'nod', expected one of node, balancer, proxy, builder, all", e.getMessage());
  }

  @Test
  void missingUserFileStopsStartupNamingIt() {
    Path missing = dir.resolve("nope.conf");
    SettingsException e = assertThrows(SettingsException.class, () -> Settings.load("node", Optional.of(missing)));
    assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
  }

  @Test
  void syntaxErrorNamesTheFileAndLine() throws IOException {
    Path file = write("cocaine {\n  network.host = \n  }}\n");
    SettingsException e = assertThrows(SettingsException.class, () -> Settings.load("node", Optional.of(file)));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
  }

  @Test
  void substitutionsSeeTheUserFilesValues() throws IOException {
    Path file = write("""
        base = "/srv/cocaine"
        cocaine.paths { runtime = ${base}"/run", spool = ${base}"/spool", storage = ${base}"/storage" }
        """);
    assertEquals(Path.of("/srv/cocaine/spool"), Settings.load("node", Optional.of(file)).paths().spool());
  }

  @Test
  void adminTokenIsNotPrinted() {
    Settings s = load("cocaine.admin.token = s3cret");
    assertEquals("s3cret", s.admin().token());
    assertFalse(s.toString().contains("s3cret"), s.toString());
  }

  private Settings load(String hocon) {
    return Settings.load("all", com.typesafe.config.ConfigFactory.parseString(hocon,
        com.typesafe.config.ConfigParseOptions.defaults().setOriginDescription("overrides")));
  }

  private Path write(String text) throws IOException {
    Path file = dir.resolve("cocaine.conf");
    Files.writeString(file, text);
    return file;
  }
}
