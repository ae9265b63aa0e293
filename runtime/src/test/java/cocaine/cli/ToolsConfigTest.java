package cocaine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** ~/.cocaine/tools.yml as the original read it, and its place after flags and the environment. */
class ToolsConfigTest {
  @TempDir Path dir;

  @Test
  void theUserFileWinsKeyByKeyOverTheGlobalOne() throws Exception {
    Path global = write("global.yml", "locator:\n  host: global-host\n  port: 10054\nsecure:\n  token: global-token\n");
    Path user = write("user.yml", "locator:\n  host: user-host\n");
    ToolsConfig c = ToolsConfig.read(List.of(global, user, dir.resolve("missing.yml")));
    assertEquals("user-host", c.host());
    assertEquals(10054, c.port());
    assertEquals("global-token", c.token());
    assertEquals(List.of(global, user), c.files());
  }

  @Test
  void theOriginalsSecureSectionIsReadButItsTicketPluginIsNotSpoken() throws Exception {
    Path file = write("tools.yml", "secure:\n  mod: TVM\n  client_id: 42\n  client_secret: s3cret\n");
    ToolsConfig c = ToolsConfig.read(List.of(file));
    assertEquals("TVM", c.secureMod());
    assertFalse(c.callerToken().present(), "no token comes from a TVM section");
  }

  @Test
  void loadReadsHomeFromTheEnvironmentAsTheOriginalDid() throws Exception {
    Files.createDirectories(dir.resolve(".cocaine"));
    Files.writeString(dir.resolve(".cocaine/tools.yml"), "locator: {host: from-home, port: 1}\nsecure: {token: t0k}\n");
    ToolsConfig c = ToolsConfig.load(Map.of("HOME", dir.toString()));
    assertEquals("from-home", c.host());
    assertEquals(1, c.port());
    assertTrue(c.callerToken().present());
  }

  @Test
  void anEmptyFileIsNoConfig() throws Exception {
    ToolsConfig c = ToolsConfig.read(List.of(write("tools.yml", "")));
    assertNull(c.host());
    assertNull(c.port());
  }

  @Test
  void aBrokenFileIsRefusedNamingTheFileAndWhatToDo() throws Exception {
    Path notYaml = write("a.yml", "locator: [unclosed\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ToolsConfig.read(List.of(notYaml)));
    assertTrue(e.getMessage().startsWith(notYaml + " is not valid YAML at line 2 (expected ',' or ']'")
        && e.getMessage().endsWith("fix the file or move it away"), e.getMessage());
    Path badPort = write("b.yml", "locator:\n  port: lots\n");
    e = assertThrows(IllegalArgumentException.class, () -> ToolsConfig.read(List.of(badPort)));
    assertTrue(e.getMessage().contains("locator.port must be a port number 1-65535, got 'lots'"), e.getMessage());
    Path badSection = write("c.yml", "locator: localhost\n");
    e = assertThrows(IllegalArgumentException.class, () -> ToolsConfig.read(List.of(badSection)));
    assertTrue(e.getMessage().contains("'locator' must be a map"), e.getMessage());
  }

  @Test
  void aFlagBeatsTheEnvironmentWhichBeatsTheFileWhichBeatsTheDefault() throws Exception {
    ToolsConfig file = ToolsConfig.read(List.of(write("tools.yml", "locator:\n  host: file-host\n  port: 2000\n")));
    ToolsConfig none = ToolsConfig.read(List.of());
    Map<String, String> env = Map.of("COCAINE_HOST", "env-host", "COCAINE_PORT", "3000");

    assertEquals("localhost:10053", target(none, Map.of()));
    assertEquals("file-host:2000", target(file, Map.of()));
    assertEquals("env-host:3000", target(file, env));
    assertEquals("env-host:2000", target(file, Map.of("COCAINE_HOST", "env-host")));
    assertEquals("flag-host:4000", target(file, env, "--host", "flag-host", "--port", "4000"));
    assertEquals("flag-host:3000", target(file, env, "-H", "flag-host"));
  }

  /** host:port of {@code cocaine locate -n x ARGS} parsed with these defaults. */
  private static String target(ToolsConfig config, Map<String, String> env, String... args) {
    CommandLine cli = new CommandLine(new Cocaine());
    cli.setDefaultValueProvider(config.defaults(env));
    String[] all = new String[args.length + 3];
    all[0] = "locate";
    all[1] = "-n";
    all[2] = "x";
    System.arraycopy(args, 0, all, 3, args.length);
    CommandLine.ParseResult parsed = cli.parseArgs(all);
    Cocaine.Locate locate = (Cocaine.Locate) parsed.subcommand().commandSpec().userObject();
    return locate.target.host + ":" + locate.target.port;
  }

  private Path write(String name, String text) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, text);
    return file;
  }
}
