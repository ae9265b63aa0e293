package cocaine.config;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** A job one runtime process can do (ARCHITECTURE.md "Roles"); `all` in config means all of them. */
public enum Role {
  NODE, BALANCER, PROXY, BUILDER;

  /** The name used in `cocaine.roles` and for `roles/<name>.conf`. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The roles a config name stands for: one role, or every role for "all"; empty if unknown. */
  public static Optional<Set<Role>> named(String name) {
    if ("all".equals(name)) {
      return Optional.of(EnumSet.allOf(Role.class));
    }
    for (Role role : values()) {
      if (role.configName().equals(name)) {
        return Optional.of(EnumSet.of(role));
      }
    }
    return Optional.empty();
  }

  /** Every accepted config name, for error messages and the CLI's help. */
  public static String configNames() {
    return "node, balancer, proxy, builder, all";
  }
}
