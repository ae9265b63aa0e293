package cocaine.config;

import java.util.Objects;

/**
 * The admin REST API and dashboard ({@code cocaine.admin}).
 *
 * @param host  listen address
 * @param port  listen port
 * @param token bearer token the API requires; empty = none
 */
public record AdminSettings(String host, int port, String token) {
  public AdminSettings {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(token, "token");
  }

  /** True when requests must carry the token. */
  public boolean requiresToken() {
    return !token.isEmpty();
  }

  // settings get logged at start; the token must not be
  @Override
  public String toString() {
    return "AdminSettings[host=" + host + ", port=" + port + ", token=" + (requiresToken() ? "<set>" : "<none>") + "]";
  }

  static AdminSettings from(SettingsReader r) {
    return new AdminSettings(r.nonEmptyString("host"), r.port("port"), r.string("token"));
  }
}
