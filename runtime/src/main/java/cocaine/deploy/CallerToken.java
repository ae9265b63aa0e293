package cocaine.deploy;

import cocaine.security.AccessToken;
import cocaine.wire.Header;
import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The access token a caller of the cluster sends as {@code authorization: Bearer <token>}: the
 * builder's deploys take it from the runtime's own {@code cocaine.security} settings, the CLI from
 * {@code --token} or {@code --token-file}. The token never appears in {@link #toString()}.
 */
public final class CallerToken {
  public static final CallerToken NONE = new CallerToken("");

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
    return new CallerToken(AccessToken.readFile(file));
  }

  /**
   * The token the runtime itself checks ({@code cocaine.security.token-file}, else {@code token}), so a
   * builder on the same install or with the cluster's settings calls with the token its nodes expect.
   *
   * @throws cocaine.config.SettingsException when the token file cannot be read or is empty
   */
  public static CallerToken from(Config config) {
    return of(AccessToken.read(config));
  }

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

  /** True when there is a token to send. */
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
