package cocaine.node.isolate.docker;

import cocaine.config.SettingsException;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * What the operator lets a docker-isolate profile ask for ({@code cocaine.isolate.docker.allow}): host
 * paths to bind, capabilities to add, network modes besides bridge and none, daemons besides the
 * default one. By default none: a container gets its socket folder, the bridge network and no
 * capability. A refusal is {@code [9, 3]} and names the profile field and the setting that would allow
 * it. The rest of what would escalate (privileged, devices, pid, ipc or user namespace modes, security
 * options) no profile can ask for: {@link DockerOptions} refuses those args as unknown.
 *
 * @param binds host path prefixes a profile may bind ({@code isolate.args.volumes}), normalized
 * @param capabilities capabilities a profile may add; {@link Capability#ALL} allows every one
 * @param networkModes network modes allowed besides {@link #OPEN_NETWORK_MODES}
 * @param endpoints daemons allowed besides {@link DockerOptions#DEFAULT_ENDPOINT}, as {@link #canonical} gives them
 */
public record DockerPolicy(List<Path> binds, Set<Capability> capabilities, Set<String> networkModes,
    Set<String> endpoints) {
  /** Network modes every profile may choose: Docker's own bridge (also named "default") and none. */
  public static final Set<String> OPEN_NETWORK_MODES = Set.of("bridge", "default", "none");
  /** Nothing escalating. */
  public static final DockerPolicy NONE = new DockerPolicy(List.of(), Set.of(), Set.of(), Set.of());
  static final String SECTION = "cocaine.isolate.docker.allow";

  public DockerPolicy {
    binds = binds.stream().map(p -> p.toAbsolutePath().normalize()).toList();
    capabilities = Set.copyOf(capabilities);
    networkModes = Set.copyOf(networkModes);
    endpoints = Set.copyOf(endpoints);
  }

  /**
   * From {@code cocaine.isolate.docker.allow}.
   *
   * @throws SettingsException naming the key and the value it cannot use
   */
  public static DockerPolicy from(Config config) {
    try {
      Config c = config.getConfig(SECTION);
      List<Path> binds = new ArrayList<>();
      for (String b : c.getStringList("binds")) {
        if (!b.startsWith("/")) {
          throw new SettingsException(SECTION + ".binds: '" + b + "' is not an absolute host path");
        }
        binds.add(Path.of(b));
      }
      Set<Capability> caps = new LinkedHashSet<>();
      for (String name : c.getStringList("capabilities")) {
        caps.add(capability(name).orElseThrow(() -> new SettingsException(SECTION + ".capabilities: unknown Linux"
            + " capability '" + name + "' (for example NET_BIND_SERVICE, SYS_PTRACE, ALL)")));
      }
      Set<String> endpoints = new LinkedHashSet<>();
      for (String e : c.getStringList("endpoints")) {
        endpoints.add(canonical(e).orElseThrow(() -> new SettingsException(SECTION + ".endpoints: '" + e
            + "' is not unix:///path or tcp://host:port")));
      }
      return new DockerPolicy(binds, caps, Set.copyOf(c.getStringList("network-modes")), endpoints);
    } catch (ConfigException | InvalidPathException e) {
      throw new SettingsException(SECTION + ": " + e.getMessage(), e);
    }
  }

  /** A capability by the names a profile or the config may give it ({@code net_admin}, {@code CAP_NET_ADMIN}). */
  static Optional<Capability> capability(String name) {
    String upper = name.strip().toUpperCase(Locale.ROOT);
    try {
      return Optional.of(Capability.valueOf(upper.startsWith("CAP_") ? upper.substring(4) : upper));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** A daemon endpoint as compared: {@code unix://<normalized path>} or {@code tcp://<host>:<port>}; empty if neither. */
  static Optional<String> canonical(String endpoint) {
    try {
      URI uri = new URI(endpoint.strip());
      if ("unix".equals(uri.getScheme()) && uri.getPath() != null && uri.getPath().startsWith("/")) {
        return Optional.of("unix://" + Path.of(uri.getPath()).normalize());
      }
      if ("tcp".equals(uri.getScheme()) && uri.getHost() != null && uri.getPort() > 0) {
        return Optional.of("tcp://" + uri.getHost().toLowerCase(Locale.ROOT) + ":" + uri.getPort());
      }
    } catch (URISyntaxException | InvalidPathException e) {
      // neither
    }
    return Optional.empty();
  }

  /**
   * Lets the app's docker args through, or refuses the first one the operator did not allow.
   *
   * @throws CocaineException {@code [9, 3]} naming the field, its value and the setting to change
   */
  public void check(String app, DockerOptions options) {
    String endpoint = canonical(options.endpoint().toString()).orElse(options.endpoint().toString());
    if (!endpoint.equals(canonical(DockerOptions.DEFAULT_ENDPOINT).orElseThrow()) && !endpoints.contains(endpoint)) {
      throw refused(app, "endpoint", options.endpoint().toString(), "", endpoint, "endpoints");
    }
    String network = options.networkMode();
    if (!OPEN_NETWORK_MODES.contains(network) && !networkModes.contains(network)) {
      throw refused(app, "network_mode", network, "", network, "network-modes");
    }
    if (!capabilities.contains(Capability.ALL)) {
      for (Capability cap : options.capabilities()) {
        if (!capabilities.contains(cap)) {
          throw refused(app, "capabilities", cap.name(), "", cap.name(), "capabilities");
        }
      }
    }
    for (Bind bind : options.volumes()) {
      Path host = Path.of(bind.getPath()).normalize();
      String shown = bind.getPath() + ":" + bind.getVolume().getPath() + ":" + bind.getAccessMode();
      if (!allowedHostPath(host)) {
        throw refused(app, "volumes", shown, "", host.toString(), "binds");
      }
      // the mount follows symlinks: where one exists on this host, where it leads must be allowed too
      Path real = realPath(host);
      if (!allowedHostPath(real)) {
        throw refused(app, "volumes", shown, " (" + host + " leads to " + real + ")", real.toString(), "binds");
      }
    }
  }

  private boolean allowedHostPath(Path host) {
    return binds.stream().anyMatch(host::startsWith);
  }

  private static Path realPath(Path host) {
    try {
      return Files.exists(host) ? host.toRealPath() : host;
    } catch (IOException e) {
      return host;
    }
  }

  private static CocaineException refused(String app, String field, String value, String why, String allowing,
      String setting) {
    return new CocaineException(ErrorCode.PERMISSION_DENIED, "app '" + app + "': profile field 'isolate.args." + field
        + "' = '" + value + "' is not allowed on this node" + why + ": add '" + allowing + "' to " + SECTION + "."
        + setting);
  }
}
