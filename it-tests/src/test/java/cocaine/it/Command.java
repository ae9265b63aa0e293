package cocaine.it;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A child command run to its end within a time limit. Its output goes to files, not pipes, and its
 * input is {@code /dev/null}: a child that hangs, waits for input, or leaves a daemon holding its
 * output open cannot block the test. Past the limit the child and its descendants are killed and the
 * test fails with what the child printed so far.
 */
final class Command {
  private Command() {}

  /** How a command exited, its standard output, and its standard error when kept apart. */
  record Result(int exit, String output, String errors) {}

  /** Runs command with stdout and stderr together in {@link Result#output()}. */
  static Result run(List<String> command, Duration limit) throws IOException, InterruptedException {
    return run(new ProcessBuilder(command).redirectErrorStream(true), limit);
  }

  /**
   * Runs what builder describes (its directory, environment, and whether stderr joins stdout);
   * its redirections of output and input are replaced.
   */
  static Result run(ProcessBuilder builder, Duration limit) throws IOException, InterruptedException {
    Path out = Files.createTempFile("cocaine-it-", ".out");
    Path err = builder.redirectErrorStream() ? null : Files.createTempFile("cocaine-it-", ".err");
    try {
      builder.redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      if (err != null) {
        builder.redirectError(err.toFile());
      }
      Process p = builder.start();
      if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
        throw new AssertionError(builder.command() + " did not finish within " + limit + "; it printed:\n"
            + read(out) + read(err));
      }
      return new Result(p.exitValue(), read(out), read(err));
    } finally {
      Files.deleteIfExists(out);
      if (err != null) {
        Files.deleteIfExists(err);
      }
    }
  }

  /**
   * {@code bin/cocaine logs ARGS}: the lines it printed to stdout (stderr kept apart); fails unless it
   * exits 0 within a minute.
   */
  static List<String> logs(List<String> args) throws IOException, InterruptedException {
    List<String> command = new java.util.ArrayList<>(List.of(RuntimeProcess.HOME.resolve("bin/cocaine").toString(), "logs"));
    command.addAll(args);
    Result r = run(new ProcessBuilder(command), Duration.ofSeconds(60));
    if (r.exit() != 0) {
      throw new AssertionError("cocaine logs " + args + " exited " + r.exit() + ": " + r.output() + r.errors());
    }
    return r.output().isEmpty() ? List.of() : List.of(r.output().split("\n"));
  }

  private static String read(Path file) throws IOException {
    return file == null ? "" : new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
  }
}
