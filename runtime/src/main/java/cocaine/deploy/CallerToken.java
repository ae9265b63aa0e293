package cocaine.deploy;

import cocaine.config.SettingsException;
import cocaine.security.AccessToken;
import cocaine.wire.Header;
import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The access token a caller of the cluster sends as {@code authorization: Bearer <token>}: the
 * builder's deploys take it from the runtime's own {@code cocaine.security} settings, the CLI from
 * {@code --token} or {@code --token-file}. The token never appears in {@link #toString()}.
 */
public final class CallerToken {
  public static final CallerToken NONE = new CallerToken("");
  private static final String SECTION = "cocaine.security";

  private final String token;

  private CallerToken(String token) {
    this.token = token.trim();
  }

  /** The given token; null or blank = none. */
  public static CallerToken of(String token) {
    return token == null || token.isBlank() ? NONE : new CallerToken(token);
  }

  /**
   * The first line of {@code file}.
   *
   * @throws IOException when the file cannot be read
   * @throws IllegalArgumentException when its first line is empty
   */
  public static CallerToken fromFile(Path file) throws IOException {
    String first = Files.readAllLines(file, StandardCharsets.UTF_8).stream().findFirst().orElse("");
    if (first.isBlank()) {
      throw new IllegalArgumentException(file + " holds no token on its first line");
    }
    return new CallerToken(first);
  }

  /**
   * The token the runtime itself checks ({@code cocaine.security.token-file}, else {@code token}), so a
   * builder on the same install or with the cluster's settings calls with the token its nodes expect.
   *
   * @throws SettingsException when the token file cannot be read or is empty
   */
  public static CallerToken from(Config config) {
    Config c = config.getConfig(SECTION);
    String file = c.getString("token-file").trim();
    if (file.isEmpty()) {
      return of(c.getString("token"));
    }
    try {
      return fromFile(Path.of(file));
    } catch (IOException e) {
      throw new SettingsException(SECTION + ".token-file: cannot read " + file + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new SettingsException(SECTION + ".token-file: " + e.getMessage(), e);
    }
  }

  /** True when there is a token to send. */
  /**
   * Who made a change, for version records: the first 12 hex digits of the token's SHA-256
   * ({@code token:1a2b...}), or {@code no token}. The token itself is never recorded.
   */
  public String fingerprint() {
    if (token.isEmpty()) {
      return "no token";
    }
    try {
      byte[] d = java.security.MessageDigest.getInstance("SHA-256")
          .digest(token.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return "token:" + java.util.HexFormat.of().formatHex(d, 0, 6);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JRE", e);
    }
  }

  public boolean present() {
    return !token.isEmpty();
  }

  /** The headers of a call: {@code authorization: Bearer <token>}, or none without a token. */
  public List<Header> headers() {
    return present() ? List.of(AccessToken.header(token)) : List.of();
  }

  @Override
  public String toString() {
    return present() ? "CallerToken[<set>]" : "CallerToken[<none>]";
  }
}
