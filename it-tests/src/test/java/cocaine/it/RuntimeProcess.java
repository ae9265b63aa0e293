package cocaine.it;

import static org.awaitility.Awaitility.await;

import cocaine.client.Locator;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A runtime started the way a user starts it, {@code bin/cocaine-runtime --role R --config F}, in its
 * own process with its own ports and directories; stopped (SIGTERM, then SIGKILL) on close.
 */
final class RuntimeProcess implements AutoCloseable {
  static final Path HOME = Path.of(System.getProperty("cocaine.home", "..")).toAbsolutePath().normalize();

  private final Process process;
  private final Path dir;
  private final int locatorPort;
  private final int proxyPort;
  private final int adminPort;

  private RuntimeProcess(Process process, Path dir, int locatorPort, int proxyPort, int adminPort) {
    this.process = process;
    this.dir = dir;
    this.locatorPort = locatorPort;
    this.proxyPort = proxyPort;
    this.adminPort = adminPort;
  }

  /** Starts {@code --role role} with fresh directories under {@code dir} and waits until the locator answers. */
  static RuntimeProcess start(Path dir, String role, String extraConfig) throws IOException {
    int locatorPort = freePort();
    int proxyPort = freePort();
    int adminPort = freePort();
    Files.createDirectories(dir);
    Path conf = dir.resolve("runtime.conf");
    Files.writeString(conf, String.join("\n",
        "cocaine {",
        "  network.locator-port = " + locatorPort,
        "  paths { runtime = \"" + dir.resolve("run") + "\", spool = \"" + dir.resolve("spool")
            + "\", storage = \"" + dir.resolve("storage") + "\" }",
        "  logging.file.path = \"" + dir.resolve("log/cocaine.jsonl") + "\"",
        "  proxy { host = \"127.0.0.1\", port = " + proxyPort + " }",
        "  admin.port = " + adminPort,
        "}",
        extraConfig, ""));
    List<String> command = new ArrayList<>(List.of(HOME.resolve("bin/cocaine-runtime").toString(),
        "--role", role, "--config", conf.toString()));
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("runtime.out").toFile())
        .start();
    RuntimeProcess runtime = new RuntimeProcess(process, dir, locatorPort, proxyPort, adminPort);
    try {
      await("runtime's locator on port " + locatorPort).atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200)).ignoreExceptions()
          .until(() -> {
            if (!process.isAlive()) {
              throw new AssertionError("runtime exited with " + process.exitValue() + ":\n" + runtime.output());
            }
            try (Locator locator = Locator.connect("127.0.0.1", locatorPort)) {
              return locator.resolve("storage") != null;
            }
          });
    } catch (RuntimeException | AssertionError e) {
      runtime.close();
      throw new AssertionError("runtime did not come up:\n" + runtime.output(), e);
    }
    return runtime;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  int locatorPort() {
    return locatorPort;
  }

  int proxyPort() {
    return proxyPort;
  }

  int adminPort() {
    return adminPort;
  }

  Path dir() {
    return dir;
  }

  Process process() {
    return process;
  }

  String output() {
    try {
      return Files.readString(dir.resolve("runtime.out"));
    } catch (IOException e) {
      return "(no output: " + e + ")";
    }
  }

  /** Runs the real CLI, {@code bin/cocaine ARGS --port P}, and returns its exit code and output. */
  CliResult cli(String... args) throws IOException, InterruptedException {
    return cli(Map.of(), args);
  }

  /** {@link #cli(String...)} with extra environment variables, e.g. {@code COCAINE_TOKEN}. */
  CliResult cli(Map<String, String> env, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(HOME.resolve("bin/cocaine").toString());
    command.addAll(List.of(args));
    // Options go after the subcommand: picocli mixins are per command.
    command.add("--port");
    command.add(String.valueOf(locatorPort));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(env);
    Process cli = builder.start();
    String out = new String(cli.getInputStream().readAllBytes());
    if (!cli.waitFor(60, TimeUnit.SECONDS)) {
      cli.destroyForcibly();
      throw new AssertionError("cli " + List.of(args) + " did not finish: " + out);
    }
    return new CliResult(cli.exitValue(), out);
  }

  /** What a CLI call printed and how it exited. */
  record CliResult(int exit, String output) {}

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
