package cocaine.config;

/**
 * Settings that cannot be used: an unknown key, a bad value or an unreadable file. The message
 * names the key and the file and line it came from, so start-up can stop with it as it is.
 */
public final class SettingsException extends RuntimeException {
  public SettingsException(String message) {
    super(message);
  }

  public SettingsException(String message, Throwable cause) {
    super(message, cause);
  }
}
