package cocaine.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Everything a runtime process is configured with, read once at start: the user's file over
 * {@code roles/<role>.conf} over {@code reference.conf}, checked so that an unknown key or a bad
 * value stops start-up with a message naming the key and the file and line it came from.
 *
 * @param uuid   this node's id; the configured one, or a random UUID made at load
 * @param roles  the roles this process plays ("all" already expanded)
 * @param config the whole resolved config, including {@code pekko.*}, for the ActorSystem and for
 *               keys other modules add under {@code cocaine} in their own reference.conf
 */
public record Settings(String uuid, Set<Role> roles, NetworkSettings network, PathsSettings paths,
    StorageSettings storage, LoggingSettings logging, NodeSettings node, LocatorSettings locator,
    BalancerSettings balancer, ProxySettings proxy, AdminSettings admin, Config config) {

  public Settings {
    Objects.requireNonNull(uuid, "uuid");
    roles = Collections.unmodifiableSet(EnumSet.copyOf(roles));
    Objects.requireNonNull(network, "network");
    Objects.requireNonNull(paths, "paths");
    Objects.requireNonNull(storage, "storage");
    Objects.requireNonNull(logging, "logging");
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(locator, "locator");
    Objects.requireNonNull(balancer, "balancer");
    Objects.requireNonNull(proxy, "proxy");
    Objects.requireNonNull(admin, "admin");
    Objects.requireNonNull(config, "config");
  }

  /**
   * Loads the settings of role ({@code node}, {@code balancer}, {@code proxy}, {@code builder} or
   * {@code all}) with the user's file, if any, on top.
   *
   * @throws SettingsException naming the key and file of the first thing that cannot be used
   */
  public static Settings load(String role, Optional<Path> userFile) {
    Config user = userFile.map(Settings::parseFile).orElse(ConfigFactory.empty());
    return load(role, user);
  }

  /**
   * Like {@link #load(String, Optional)} with overrides already parsed; tests use it with
   * {@code ConfigFactory.parseString(...)}, whose origin then appears in messages.
   */
  public static Settings load(String role, Config overrides) {
    if (Role.named(role).isEmpty()) {
      throw new SettingsException("unknown role '" + role + "', expected one of " + Role.configNames());
    }
    ClassLoader loader = Settings.class.getClassLoader();
    Config reference;
    Config merged;
    try {
      // unresolved, so that substitutions in reference and role files see the user's values
      reference = ConfigFactory.defaultReferenceUnresolved(loader);
      Config roleFile = ConfigFactory.parseResources(loader, "roles/" + role + ".conf",
          ConfigParseOptions.defaults().setAllowMissing(false));
      // application.conf (the runtime's Pekko tuning) sits under the user's and role's settings
      Config application = ConfigFactory.parseResourcesAnySyntax(loader, "application");
      merged = overrides.withFallback(roleFile).withFallback(application).withFallback(reference).resolve();
    } catch (ConfigException e) {
      throw new SettingsException(e.getMessage(), e);
    }
    UnknownKeys.reject(merged, (ConfigObject) reference.root().get("cocaine"));
    PinnedPorts.from(merged); // a bad pinned port stops start-up here, with its key
    return read(merged);
  }

  /** True when this process plays role, e.g. to decide which guardians to start. */
  public boolean plays(Role role) {
    return roles.contains(role);
  }

  // the whole config holds every pekko default; a log line of the settings should not
  @Override
  public String toString() {
    return "Settings[uuid=" + uuid + ", roles=" + roles + ", network=" + network + ", paths=" + paths
        + ", storage=" + storage + ", logging=" + logging + ", node=" + node + ", locator=" + locator
        + ", balancer=" + balancer + ", proxy=" + proxy + ", admin=" + admin + "]";
  }

  private static Settings read(Config merged) {
    SettingsReader r = new SettingsReader(merged, "cocaine");
    String uuid = r.string("uuid").trim();
    Set<Role> roles = EnumSet.noneOf(Role.class);
    r.list("roles", "must be one of " + Role.configNames(), Role::named).forEach(roles::addAll);
    if (roles.isEmpty()) {
      throw r.refuse("roles", "must name at least one role (" + Role.configNames() + ")");
    }
    FrameAndBody limits = FrameAndBody.of(r.section("network"), r.section("proxy"));
    return new Settings(
        uuid.isEmpty() ? UUID.randomUUID().toString() : uuid,
        roles,
        NetworkSettings.from(r.section("network"), limits.maxFrameBytes()),
        PathsSettings.from(r.section("paths")),
        StorageSettings.from(r.section("storage")),
        LoggingSettings.from(r.section("logging")),
        NodeSettings.from(r.section("node")),
        LocatorSettings.from(r.section("locator")),
        BalancerSettings.from(r.section("balancer")),
        ProxySettings.from(r.section("proxy"), limits.maxBodyBytes()),
        AdminSettings.from(r.section("admin")),
        merged);
  }

  private static Config parseFile(Path file) {
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new SettingsException("settings file " + file + " does not exist or cannot be read");
    }
    try {
      return ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
    } catch (ConfigException e) {
      // the parser's message already starts with "file: line:"
      throw new SettingsException("cannot parse settings file " + e.getMessage(), e);
    }
  }
}
