package cocaine.it;

import static org.awaitility.Awaitility.await;

import cocaine.client.Locator;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
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
  private final Launch launch;
  private final String host;
  private final int locatorPort;
  private final int proxyPort;
  private final int adminPort;

  /**
   * How a runtime was started, so that {@link #restart()} can do it again; {@code runDir} is its
   * {@code paths.runtime}.
   */
  private record Launch(List<String> prefix, String role, String readyService, Path runDir) {}

  private RuntimeProcess(Process process, Path dir, Launch launch, String host, int locatorPort, int proxyPort,
      int adminPort) {
    this.process = process;
    this.dir = dir;
    this.launch = launch;
    this.host = host;
    this.locatorPort = locatorPort;
    this.proxyPort = proxyPort;
    this.adminPort = adminPort;
  }

  /** Starts {@code --role role} with fresh directories under {@code dir} and waits until the locator answers. */
  static RuntimeProcess start(Path dir, String role, String extraConfig) throws IOException {
    return start(dir, role, extraConfig, "storage");
  }

  /**
   * {@link #start(Path, String, String)} ready once the locator resolves {@code readyService}: a
   * balancer serves no storage of its own, so it waits for {@code locator}.
   */
  static RuntimeProcess start(Path dir, String role, String extraConfig, String readyService) throws IOException {
    return launch(List.of(), "127.0.0.1", freePort(), freePort(), freePort(), dir, role, extraConfig, readyService);
  }

  /**
   * Starts {@code --role role} inside network namespace {@code netns} ({@code ip netns exec}, which
   * execs: the process is the runtime's JVM, so {@link #kill()} is a real {@code kill -9}), bound to
   * {@code host} with the well-known ports (the namespace's ports are its own), and waits until the
   * locator answers {@code resolve(readyService)} from this (the root) namespace.
   */
  static RuntimeProcess startIn(String netns, String host, Path dir, String role, String extraConfig,
      String readyService) throws IOException {
    return launch(List.of("ip", "netns", "exec", netns), host, 10053, 8080, 8081, dir, role,
        "cocaine.network { host = \"" + host + "\", hostname = \"" + host + "\" }\n" + extraConfig, readyService);
  }

  /**
   * Starts {@code --role proxy} resolving apps at {@code locatorPort} and waits until its HTTP port
   * accepts connections (a proxy has no locator of its own).
   */
  static RuntimeProcess startProxy(Path dir, int locatorPort, String extraConfig) throws IOException {
    return launch(List.of(), "127.0.0.1", locatorPort, freePort(), freePort(), dir, "proxy",
        "cocaine.network.locator-port = " + freePort() + "\ncocaine.proxy.locator-port = " + locatorPort + "\n"
            + extraConfig, null);
  }

  /**
   * Starts this runtime again with the same config, directories and ports, e.g. after it was
   * killed; its output is appended to the same file.
   */
  RuntimeProcess restart() throws IOException {
    return run(launch, host, locatorPort, proxyPort, adminPort, dir);
  }

  /** @param readyService resolved to tell the runtime is up; null for a proxy: its HTTP port is */
  private static RuntimeProcess launch(List<String> prefix, String host, int locatorPort, int proxyPort, int adminPort,
      Path dir, String role, String extraConfig, String readyService) throws IOException {
    Files.createDirectories(dir);
    // not under dir: the worker sockets' paths must fit a unix socket's 106 bytes wherever the
    // checkout is (CI's is longer than a developer's); removed on close
    Path runDir = Files.createTempDirectory("cocaine-it-run-");
    Path conf = dir.resolve("runtime.conf");
    Files.writeString(conf, String.join("\n",
        "cocaine {",
        "  network.locator-port = " + locatorPort,
        "  paths { runtime = \"" + runDir + "\", spool = \"" + dir.resolve("spool")
            + "\", storage = \"" + dir.resolve("storage") + "\" }",
        "  logging.file.path = \"" + dir.resolve("log/cocaine.jsonl") + "\"",
        "  services.uniresis.state-dir = \"" + dir.resolve("state") + "\"",
        "  proxy { host = \"" + host + "\", port = " + proxyPort + " }",
        "  admin.port = " + adminPort,
        "}",
        extraConfig, ""));
    return run(new Launch(prefix, role, readyService, runDir), host, locatorPort, proxyPort, adminPort, dir);
  }

  private static RuntimeProcess run(Launch launch, String host, int locatorPort, int proxyPort, int adminPort, Path dir)
      throws IOException {
    List<String> command = new ArrayList<>(launch.prefix());
    command.addAll(List.of(HOME.resolve("bin/cocaine-runtime").toString(), "--role", launch.role(), "--config",
        dir.resolve("runtime.conf").toString()));
    // appended, not replaced: a restart in the same directory keeps the first run's lines
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("runtime.out").toFile()))
        .start();
    RuntimeProcess runtime = new RuntimeProcess(process, dir, launch, host, locatorPort, proxyPort, adminPort);
    String readyService = launch.readyService();
    if (NOT_AWAITED.equals(readyService)) {
      return runtime;
    }
    runtime.awaitReady(readyService, Duration.ofSeconds(60));
    return runtime;
  }

  /**
   * Waits until the locator resolves {@code readyService} (null: the proxy's HTTP port accepts),
   * at most {@code atMost}; closes the runtime and fails with its output when it does not come up.
   */
  void awaitReady(String readyService, Duration atMost) {
    try {
      await(readyService == null ? "proxy's HTTP port " + host + ":" + proxyPort
          : "runtime's locator on " + host + ":" + locatorPort).atMost(atMost)
          .pollInterval(Duration.ofMillis(100)).ignoreExceptions()
          .until(() -> {
            if (!process.isAlive()) {
              throw new AssertionError("runtime exited with " + process.exitValue() + ":\n" + output());
            }
            if (readyService == null) {
              try (Socket s = new Socket(host, proxyPort)) {
                return true;
              }
            }
            try (Locator locator = Locator.connect(host, locatorPort)) {
              return locator.resolve(readyService) != null;
            }
          });
    } catch (RuntimeException | AssertionError e) {
      close();
      throw new AssertionError("runtime did not come up:\n" + output(), e);
    }
  }

  /** With this as the ready service, {@link #start(Path, String, String, String)} returns at once: the test waits. */
  static final String NOT_AWAITED = "";

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  String host() {
    return host;
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

  /** Its {@code paths.runtime}: worker sockets and the pid file; names the node in Docker labels. */
  Path runDir() {
    return launch.runDir();
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
    command.addAll(List.of("--host", host, "--port", String.valueOf(locatorPort)));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(env);
    Command.Result r = Command.run(builder, Duration.ofSeconds(60));
    return new CliResult(r.exit(), r.output());
  }

  /** What a CLI call printed and how it exited. */
  record CliResult(int exit, String output) {}

  /** SIGKILL, as a crash or power loss would end it; returns once the process is gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  /** SIGKILL, as a crash or the OOM killer would; fails if the process survives it for 30 s. */
  void kill9() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError("runtime pid " + process.pid() + " survived SIGKILL for 30 s");
    }
  }

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
    removeRunDir();
  }

  /** Best effort: a socket of a worker still exiting may come and go while the folder is removed. */
  private void removeRunDir() {
    try (var files = Files.walk(launch.runDir())) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // left in the temp folder; nothing reads it again
    }
  }
}
