package cocaine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * The real Docker daemon, registry and base image the docker tests share ({@code scripts/docker.sh},
 * {@code registry.sh}, {@code base-image.sh}), and the commands they run.
 */
final class DockerLab {
  static final String REGISTRY = "127.0.0.1:5000";
  static final String BASE_IMAGE = REGISTRY + "/cocaine/jre:17";

  /** What {@link #start()} started itself, and so stops again. */
  record Started(boolean docker, boolean registry) {
    void stop() throws IOException, InterruptedException {
      if (registry) {
        run(List.of(script("registry.sh"), "stop"));
      }
      if (docker) {
        run(List.of(script("docker.sh"), "stop"));
      }
    }
  }

  private DockerLab() {}

  /**
   * Starts dockerd and the registry unless they run, and makes sure the base image is on the daemon
   * (from an earlier run, the registry, or built: about a minute). Skips the test class when dockerd
   * cannot start on this machine.
   */
  static Started start() throws IOException, InterruptedException {
    boolean startedDocker = false;
    if (run(List.of(script("docker.sh"), "status")).exit() != 0) {
      Run docker = run(List.of(script("docker.sh"), "start"));
      Assumptions.assumeTrue(docker.exit() != 3, "dockerd cannot start on this machine, skipping: " + docker.output());
      assertEquals(0, docker.exit(), "scripts/docker.sh start: " + docker.output());
      startedDocker = true;
    }
    Run registry = run(List.of(script("registry.sh"), "start"));
    assertEquals(0, registry.exit(), "scripts/registry.sh start: " + registry.output());
    if (docker("image", "inspect", BASE_IMAGE).exit() != 0 && docker("pull", BASE_IMAGE).exit() != 0) {
      Run base = run(List.of(script("base-image.sh"), BASE_IMAGE));
      assertEquals(0, base.exit(), "scripts/base-image.sh: " + base.output());
    }
    return new Started(startedDocker, registry.output().contains("serves"));
  }

  static Run docker(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("docker"));
    command.addAll(List.of(args));
    return run(command);
  }

  static void assertDocker(String... args) throws IOException, InterruptedException {
    Run r = docker(args);
    assertEquals(0, r.exit(), "docker " + String.join(" ", args) + ": " + r.output());
  }

  /** The containers of the node labelled {@code nodeLabel} (running only, or all). */
  static List<String> nodeContainers(String nodeLabel, boolean all) throws IOException, InterruptedException {
    List<String> args = new ArrayList<>(List.of("ps", "-q", "--no-trunc", "--filter", "label=cocaine.node=" + nodeLabel));
    if (all) {
      args.add("-a");
    }
    Run ps = docker(args.toArray(String[]::new));
    assertEquals(0, ps.exit(), ps.output());
    return Arrays.stream(ps.output().split("\\s+")).filter(s -> !s.isBlank()).toList();
  }

  static String script(String name) {
    return RuntimeProcess.HOME.resolve("scripts").resolve(name).toString();
  }

  /** How a command exited and what it printed (stdout and stderr). */
  record Run(int exit, String output) {}

  static Run run(List<String> command) throws IOException, InterruptedException {
    return run(command, null, Map.of());
  }

  /** Runs command in cwd (null = this one) with env added; at most 300 s. */
  static Run run(List<String> command, Path cwd, Map<String, String> env) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    if (cwd != null) {
      pb.directory(cwd.toFile());
    }
    pb.environment().putAll(env);
    Command.Result r = Command.run(pb, Duration.ofSeconds(300));
    return new Run(r.exit(), r.output());
  }
}
