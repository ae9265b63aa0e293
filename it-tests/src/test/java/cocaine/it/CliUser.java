package cocaine.it;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs {@code bin/cocaine} or {@code bin/cocaine-tool} as a user of a runtime would: with its
 * locator, its token in the environment, and a HOME without a tools.yml unless a test writes one.
 *
 * @param home  HOME of the runs
 * @param token COCAINE_TOKEN of the targeted runs
 */
record CliUser(Path home, String host, int port, String token) {
  static final Duration LIMIT = Duration.ofSeconds(90);

  /** bin/LAUNCHER ARGS --host --port of the runtime, with its token; {@code env} may override it. */
  Command.Result targeted(String launcher, Map<String, String> env, String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--host", host, "--port", String.valueOf(port)));
    Map<String, String> withToken = new HashMap<>(Map.of("COCAINE_TOKEN", token));
    withToken.putAll(env);
    return bare(home, launcher, withToken, all.toArray(String[]::new));
  }

  /** bin/LAUNCHER ARGS as given, no COCAINE_* from this process's environment; stderr joins stdout. */
  static Command.Result bare(Path home, String launcher, Map<String, String> env, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(RuntimeProcess.HOME.resolve("bin").resolve(launcher).toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().remove("COCAINE_TOKEN");
    builder.environment().remove("COCAINE_TOKEN_FILE");
    builder.environment().remove("COCAINE_HOST");
    builder.environment().remove("COCAINE_PORT");
    builder.environment().put("HOME", home.toString());
    builder.environment().putAll(env);
    return Command.run(builder, LIMIT);
  }
}
