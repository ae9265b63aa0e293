package cocaine.cli;

import cocaine.deploy.CallerToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import picocli.CommandLine;

/**
 * The original {@code cocaine-tool}'s config files, {@code /etc/cocaine/.cocaine/tools.yml} then
 * {@code ~/.cocaine/tools.yml} (the later one wins key by key): {@code locator.host},
 * {@code locator.port} and, ours, {@code secure.token}. A flag beats the environment
 * ({@code COCAINE_HOST}, {@code COCAINE_PORT}, {@code COCAINE_TOKEN}, {@code COCAINE_TOKEN_FILE}),
 * which beats these files, which beat the built-in defaults ({@code localhost:10053}, no token).
 *
 * @param host {@code locator.host}, or null
 * @param port {@code locator.port}, or null
 * @param token {@code secure.token}, or null
 * @param secureMod {@code secure.mod} (the original's TVM plugin, which this CLI does not speak), or null
 * @param files the files read, in order
 */
record ToolsConfig(String host, Integer port, String token, String secureMod, List<Path> files) {
  static final Path GLOBAL = Path.of("/etc/cocaine/.cocaine/tools.yml");
  /** No file: every value from flags, the environment or the built-in defaults. */
  static final ToolsConfig NONE = new ToolsConfig(null, null, null, null, List.of());

  /** The files as the original read them: the global one, then {@code $HOME/.cocaine/tools.yml}. */
  static ToolsConfig load(Map<String, String> env) {
    String home = env.getOrDefault("HOME", System.getProperty("user.home"));
    return read(List.of(GLOBAL, Path.of(home, ".cocaine", "tools.yml")));
  }

  /**
   * Reads and merges those of {@code files} that exist.
   *
   * @throws IllegalArgumentException naming the file and the key when one is not YAML or has a bad value
   */
  static ToolsConfig read(List<Path> files) {
    String host = null;
    Integer port = null;
    String token = null;
    String secureMod = null;
    List<Path> read = new ArrayList<>();
    for (Path file : files) {
      if (!Files.isRegularFile(file)) {
        continue;
      }
      Map<?, ?> root = parse(file);
      read.add(file);
      Map<?, ?> locator = section(root, "locator", file);
      Map<?, ?> secure = section(root, "secure", file);
      host = text(locator, "host", file, host);
      String portText = text(locator, "port", file, null);
      if (portText != null) {
        port = port(portText, file);
      }
      token = text(secure, "token", file, token);
      secureMod = text(secure, "mod", file, secureMod);
    }
    return new ToolsConfig(host, port, token, secureMod, List.copyOf(read));
  }

  /**
   * Defaults for {@code --host} and {@code --port}: the environment, else these files, else none (the
   * option's own default).
   */
  CommandLine.IDefaultValueProvider defaults(Map<String, String> env) {
    return arg -> {
      if (!(arg instanceof CommandLine.Model.OptionSpec option)) {
        return null;
      }
      return switch (option.longestName()) {
        case "--host" -> firstOf(env.get("COCAINE_HOST"), host);
        case "--port" -> firstOf(env.get("COCAINE_PORT"), port == null ? null : port.toString());
        default -> null;
      };
    };
  }

  /**
   * The token of {@code secure.token}, or none. A file that configures the original's TVM plugin
   * instead gets a warning on stderr: this CLI sends the runtime's access token, not TVM tickets.
   */
  CallerToken callerToken() {
    if (token == null && secureMod != null) {
      System.err.println("cocaine: " + files.get(files.size() - 1) + ": secure.mod '" + secureMod + "' is the original's"
          + " ticket plugin, which this CLI does not speak; put the runtime's access token in secure.token");
    }
    return CallerToken.of(token);
  }

  private static String firstOf(String env, String file) {
    return env != null && !env.isBlank() ? env : file;
  }

  private static Map<?, ?> parse(Path file) {
    try {
      Object root = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(file));
      if (root == null) {
        return Map.of(); // an empty file, as the original allowed
      }
      if (!(root instanceof Map<?, ?> map)) {
        throw new IllegalArgumentException(file + ": expected a map of sections (locator, secure), got " + root
            + "; fix the file or move it away");
      }
      return map;
    } catch (MarkedYAMLException e) {
      String where = e.getProblemMark() == null ? "" : " at line " + (e.getProblemMark().getLine() + 1);
      throw new IllegalArgumentException(file + " is not valid YAML" + where + " (" + e.getProblem() + "); fix the file"
          + " or move it away", e);
    } catch (YAMLException e) {
      throw new IllegalArgumentException(file + " is not valid YAML (" + e.getMessage().lines().findFirst().orElse("")
          + "); fix the file or move it away", e);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + " (" + e + "); fix its permissions or move it away", e);
    }
  }

  private static Map<?, ?> section(Map<?, ?> root, String name, Path file) {
    Object value = root.get(name);
    if (value == null) {
      return Map.of();
    }
    if (!(value instanceof Map<?, ?> map)) {
      throw new IllegalArgumentException(file + ": '" + name + "' must be a map of keys, got '" + value + "'");
    }
    return map;
  }

  private static String text(Map<?, ?> section, String key, Path file, String otherwise) {
    Object value = section.get(key);
    if (value == null) {
      return otherwise;
    }
    if (value instanceof Map || value instanceof List) {
      throw new IllegalArgumentException(file + ": '" + key + "' must be a single value, got " + value);
    }
    return value.toString();
  }

  private static int port(String text, Path file) {
    try {
      int port = Integer.parseInt(text.trim());
      if (port >= 1 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(file + ": locator.port must be a port number 1-65535, got '" + text + "'");
  }
}
