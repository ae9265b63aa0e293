package cocaine.node.isolate.docker;

import cocaine.model.Profile;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The docker isolate's profile args ({@code isolate.args}, docs/protocol.md 4.3, ECOSYSTEM.md 3), checked
 * once when the app starts so a bad profile fails the start with the field and the reason. Whether the
 * node lets the app have what they ask for is {@link DockerPolicy}'s to say.
 *
 * @param endpoint the daemon: {@code unix:///path} or {@code tcp://host:port}
 * @param registry where images are pulled from; empty = no pull, the image must be on the daemon;
 *     {@code "<default>"} = Docker Hub
 * @param repository the namespace between registry and app name, if any
 * @param tag the image tag ({@code latest} unless set)
 * @param runtimePath where the node's socket folder is mounted inside the container
 * @param networkMode the container's network ({@code bridge}, {@code host}, {@code none}, a network name)
 * @param memoryLimit bytes, 0 = unlimited
 * @param memorySwap bytes of memory plus swap, 0 = Docker's default, -1 = unlimited
 * @param cpuShares relative CPU weight, 0 = Docker's default
 * @param volumes extra bind mounts, Docker's {@code HOST:CONTAINER[:ro|rw]}
 * @param capabilities Linux capabilities added to the container
 * @param killTimeout how long a stopped worker may take to exit before it is killed
 */
public record DockerOptions(URI endpoint, Optional<String> registry, Optional<String> repository, String tag,
    String runtimePath, String networkMode, long memoryLimit, long memorySwap, long cpuShares, List<Bind> volumes,
    List<Capability> capabilities, Duration killTimeout) {

  public static final String DEFAULT_ENDPOINT = "unix:///var/run/docker.sock";
  public static final String DEFAULT_REGISTRY = "<default>";
  public static final String DEFAULT_RUNTIME_PATH = "/var/run/cocaine";
  /** Docker refuses a smaller memory limit ("Minimum memory limit allowed is 6MB"). */
  public static final long MIN_MEMORY_LIMIT = 6L * 1024 * 1024;
  static final Duration DEFAULT_KILL_TIMEOUT = Duration.ofSeconds(5);

  /**
   * Every arg this isolate reads. A profile's other args are left out, each with a warning, when the
   * profile is read ({@link Profile#read}); one that still gets here is refused.
   */
  public static final Set<String> KEYS = Profile.Isolate.DOCKER_ARGS;

  private static final Pattern HOST_PORT = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?");
  private static final Pattern REPOSITORY = Pattern.compile("[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*");
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  private static final Pattern SIZE = Pattern.compile("([0-9]+)\\s*([kmgKMG]?)[bB]?");

  public DockerOptions {
    volumes = List.copyOf(volumes);
    capabilities = List.copyOf(capabilities);
  }

  /** The args of a profile; throws {@link CocaineException} [INVALID] naming the field and the reason. */
  public static DockerOptions parse(Map<String, Object> args) {
    Set<String> unknown = new TreeSet<>(args.keySet());
    unknown.removeAll(KEYS);
    if (!unknown.isEmpty()) {
      throw bad("", "unknown option" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
          + " (the docker isolate reads: " + String.join(", ", new TreeSet<>(KEYS)) + ")");
    }
    URI endpoint = endpoint(string(args, "endpoint").orElse(DEFAULT_ENDPOINT));
    Optional<String> registry = string(args, "registry");
    registry.ifPresent(r -> {
      if (!r.equals(DEFAULT_REGISTRY) && !HOST_PORT.matcher(r).matches()) {
        throw bad("registry", "must be host[:port] without a scheme or path (or \"" + DEFAULT_REGISTRY
            + "\" for Docker Hub), got '" + r + "'");
      }
    });
    Optional<String> repository = string(args, "repository");
    repository.ifPresent(r -> {
      if (!REPOSITORY.matcher(r).matches()) {
        throw bad("repository", "must be lowercase letters, digits and . _ - separated path parts, got '" + r + "'");
      }
    });
    String tag = string(args, "tag").orElse("latest");
    if (!TAG.matcher(tag).matches()) {
      throw bad("tag", "must be 1-128 of letters, digits, _ . - not starting with . or -, got '" + tag + "'");
    }
    String runtimePath = string(args, "runtime-path").orElse(DEFAULT_RUNTIME_PATH);
    if (!runtimePath.startsWith("/")) {
      throw bad("runtime-path", "must be an absolute path inside the container, got '" + runtimePath + "'");
    }
    String networkMode = string(args, "network_mode").orElse("bridge");
    long memoryLimit = size(args, "memory_limit");
    if (memoryLimit != 0 && memoryLimit < MIN_MEMORY_LIMIT) {
      throw bad("memory_limit", memoryLimit + " bytes is below Docker's minimum of 6 MB (" + MIN_MEMORY_LIMIT
          + " bytes); use 0 for no limit");
    }
    long memorySwap = args.get("memory_swap") instanceof Number n && n.longValue() == -1 ? -1 : size(args, "memory_swap");
    if (memorySwap > 0 && memoryLimit == 0) {
      throw bad("memory_swap", "needs memory_limit too (Docker limits memory plus swap only with a memory limit)");
    }
    if (memorySwap > 0 && memorySwap < memoryLimit) {
      throw bad("memory_swap", "is memory plus swap and must be at least memory_limit (" + memoryLimit + "), got "
          + memorySwap + "; use -1 for unlimited swap");
    }
    long cpuShares = size(args, "cpu_shares");
    Duration killTimeout = DEFAULT_KILL_TIMEOUT;
    Object kill = args.get("kill_timeout");
    if (kill != null) {
      if (!(kill instanceof Number n) || n.doubleValue() <= 0) {
        throw bad("kill_timeout", "must be a positive number of seconds, got " + kill);
      }
      killTimeout = Duration.ofMillis(Math.round(n.doubleValue() * 1000));
    }
    return new DockerOptions(endpoint, registry, repository, tag, runtimePath, networkMode, memoryLimit, memorySwap,
        cpuShares, volumes(args), capabilities(args), killTimeout);
  }

  /** {@code [registry/][repository/]<app>:<tag>}; refuses an app name Docker cannot use in an image name. */
  public String image(String app) {
    String name = app.toLowerCase(Locale.ROOT);
    if (!REPOSITORY.matcher(name).matches() || name.contains("/")) {
      throw new CocaineException(ErrorCode.INVALID, "app '" + app + "': the name cannot be a Docker image name"
          + " (lowercase letters, digits and . _ - only)");
    }
    StringBuilder image = new StringBuilder();
    registry.filter(r -> !r.equals(DEFAULT_REGISTRY)).ifPresent(r -> image.append(r).append('/'));
    repository.ifPresent(r -> image.append(r).append('/'));
    return image.append(name).append(':').append(tag).toString();
  }

  private static URI endpoint(String value) {
    URI uri;
    try {
      uri = new URI(value);
    } catch (URISyntaxException e) {
      throw bad("endpoint", "is not a URI: " + e.getMessage());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme();
    switch (scheme) {
      case "unix" -> {
        if (uri.getPath() == null || !uri.getPath().startsWith("/")) {
          throw bad("endpoint", "a unix endpoint needs an absolute socket path (unix:///var/run/docker.sock), got '"
              + value + "'");
        }
      }
      case "tcp" -> {
        if (uri.getHost() == null || uri.getPort() <= 0) {
          throw bad("endpoint", "a tcp endpoint needs a host and port (tcp://host:2375), got '" + value + "'");
        }
      }
      default -> throw bad("endpoint", "must be unix:///path or tcp://host:port, got '" + value + "'");
    }
    return uri;
  }

  private static List<Bind> volumes(Map<String, Object> args) {
    List<Bind> binds = new ArrayList<>();
    for (String v : strings(args, "volumes")) {
      String[] parts = v.split(":");
      boolean modeOk = parts.length == 2 || parts.length == 3 && (parts[2].equals("ro") || parts[2].equals("rw"));
      if (!modeOk || !parts[0].startsWith("/") || !parts[1].startsWith("/")) {
        throw bad("volumes", "each entry must be HOST_PATH:CONTAINER_PATH[:ro|rw] with absolute paths, got '" + v + "'");
      }
      binds.add(Bind.parse(v));
    }
    return binds;
  }

  private static List<Capability> capabilities(Map<String, Object> args) {
    List<Capability> caps = new ArrayList<>();
    for (String c : strings(args, "capabilities")) {
      caps.add(DockerPolicy.capability(c).orElseThrow(
          () -> bad("capabilities", "unknown Linux capability '" + c + "' (for example NET_ADMIN, SYS_PTRACE)")));
    }
    return caps;
  }

  private static Optional<String> string(Map<String, Object> args, String key) {
    Object v = args.get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (!(v instanceof String s) || s.isBlank()) {
      throw bad(key, "must be a non-empty string, got " + v);
    }
    return Optional.of(s.strip());
  }

  private static List<String> strings(Map<String, Object> args, String key) {
    Object v = args.get(key);
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof List<?> list) || !list.stream().allMatch(e -> e instanceof String s && !s.isBlank())) {
      throw bad(key, "must be a list of non-empty strings, got " + v);
    }
    return list.stream().map(e -> ((String) e).strip()).toList();
  }

  /** A non-negative integer, or a string with a k/m/g suffix (powers of 1024) for sizes. */
  private static long size(Map<String, Object> args, String key) {
    Object v = args.get(key);
    if (v == null) {
      return 0;
    }
    if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && n.longValue() >= 0) {
      return n.longValue();
    }
    if (v instanceof String s) {
      var m = SIZE.matcher(s.strip());
      if (m.matches()) {
        long unit = switch (m.group(2).toLowerCase(Locale.ROOT)) {
          case "k" -> 1024L;
          case "m" -> 1024L * 1024;
          case "g" -> 1024L * 1024 * 1024;
          default -> 1L;
        };
        try {
          return Math.multiplyExact(Long.parseLong(m.group(1)), unit);
        } catch (ArithmeticException | NumberFormatException e) {
          // falls through to the error below
        }
      }
    }
    throw bad(key, "must be a non-negative integer (bytes for sizes, or a string like \"256m\"), got " + v);
  }

  private static CocaineException bad(String key, String reason) {
    String field = key.isEmpty() ? "isolate.args" : "isolate.args." + key;
    return new CocaineException(ErrorCode.INVALID, "profile field '" + field + "': " + reason);
  }
}
