package cocaine.tls;

import cocaine.config.SettingsException;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * How an HTTP front end (the proxy, the admin API) listens: {@code <section>.http} says what its
 * plain HTTP port does, {@code <section>.tls} configures an HTTPS port with a PEM certificate and key
 * (documented in this module's reference.conf).
 *
 * @param http what the plain HTTP port does
 * @param tls  the HTTPS listener; empty = none
 */
public record HttpsSettings(HttpMode http, Optional<Tls> tls) {
  /** Plain HTTP only: no certificate configured. */
  public static final HttpsSettings PLAIN = new HttpsSettings(HttpMode.ON, Optional.empty());

  /** What the plain HTTP port does. */
  public enum HttpMode {
    /** Serves requests. */
    ON,
    /** Is not opened: HTTPS only. */
    OFF,
    /** Answers every request with 308 Permanent Redirect to the same URL on the HTTPS port. */
    REDIRECT
  }

  /**
   * An HTTPS listener.
   *
   * @param certificate    PEM certificate chain, the server's certificate first
   * @param key            PEM private key of that certificate, not encrypted
   * @param port           HTTPS port on the front end's host (0 = chosen by the OS, for tests)
   * @param reloadInterval how often the two files are checked for a change
   */
  public record Tls(Path certificate, Path key, int port, Duration reloadInterval) {
    public Tls {
      Objects.requireNonNull(certificate, "certificate");
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(reloadInterval, "reloadInterval");
    }
  }

  public HttpsSettings {
    Objects.requireNonNull(http, "http");
    Objects.requireNonNull(tls, "tls");
    if (http != HttpMode.ON && tls.isEmpty()) {
      throw new IllegalArgumentException("http = " + http.name().toLowerCase(Locale.ROOT) + " needs tls");
    }
  }

  /**
   * From {@code section.http} and {@code section.tls}, e.g. {@code cocaine.proxy}.
   *
   * @throws SettingsException naming the key: a certificate without a key or the reverse, http off or
   *                           redirect without a certificate, the HTTPS port equal to the HTTP port
   */
  public static HttpsSettings from(Config config, String section) {
    try {
      HttpMode http = httpMode(config, section + ".http");
      String t = section + ".tls.";
      String certificate = config.getString(t + "certificate").trim();
      String key = config.getString(t + "key").trim();
      if (certificate.isEmpty() != key.isEmpty()) {
        throw new SettingsException(section + ".tls: certificate and key go together, only "
            + (certificate.isEmpty() ? "key" : "certificate") + " is set");
      }
      if (certificate.isEmpty()) {
        if (http != HttpMode.ON) {
          throw new SettingsException(section + ".http = " + http.name().toLowerCase(Locale.ROOT) + " needs HTTPS: set "
              + section + ".tls.certificate and " + section + ".tls.key");
        }
        return PLAIN;
      }
      int port = config.getInt(t + "port");
      if (port < 0 || port > 65535) {
        throw new SettingsException(t + "port must be a port from 0 to 65535, got " + port);
      }
      if (http != HttpMode.OFF && port != 0 && port == config.getInt(section + ".port")) {
        throw new SettingsException(t + "port " + port + " is " + section + ".port as well: HTTP and HTTPS need "
            + "ports of their own (or " + section + ".http = off)");
      }
      Duration reload = config.getDuration(t + "reload-interval");
      if (reload.isZero() || reload.isNegative()) {
        throw new SettingsException(t + "reload-interval must be a duration > 0, e.g. 10s");
      }
      return new HttpsSettings(http, Optional.of(new Tls(Path.of(certificate), Path.of(key), port, reload)));
    } catch (ConfigException e) {
      throw new SettingsException(e.getMessage(), e);
    }
  }

  /** {@code on}/{@code off} (HOCON booleans) or {@code redirect}. */
  private static HttpMode httpMode(Config config, String key) {
    ConfigValue v = config.getValue(key);
    if (v.valueType() == ConfigValueType.BOOLEAN) {
      return (Boolean) v.unwrapped() ? HttpMode.ON : HttpMode.OFF;
    }
    String text = String.valueOf(v.unwrapped()).trim().toLowerCase(Locale.ROOT);
    return switch (text) {
      case "on", "true", "yes" -> HttpMode.ON;
      case "off", "false", "no" -> HttpMode.OFF;
      case "redirect" -> HttpMode.REDIRECT;
      default -> throw new SettingsException("bad value for '" + key + "' in " + v.origin().description()
          + ": must be on, off or redirect, got " + v.render());
    };
  }
}
