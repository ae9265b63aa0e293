package cocaine.security;

import cocaine.config.SettingsException;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Header;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The shared secret ({@code cocaine.security}) that calls changing the platform's state (storage
 * write/remove, node start/stop/control, locator publish/refresh, logging set_verbosity) and reads
 * of the platform's data (storage read/find of its collections and the private ones) must carry in
 * their {@code authorization} header as {@code Bearer <token>}. With no token configured every call
 * is let in. The token is compared in constant time and never appears in a message, a log line or
 * {@link #toString()}.
 */
public final class AccessToken {
  /**
   * Collections the platform runs from or records (manifests with their environment, archives,
   * crashlogs): never opened to writers, never read without the token.
   */
  public static final Set<String> PLATFORM_COLLECTIONS =
      Set.of("manifests", "profiles", "runlists", "groups", "apps", "crashlogs", "desired", "versions",
          "converged", "leases");
  public static final AccessToken NONE = new AccessToken(new byte[0], Set.of(), Set.of());
  private static final String SECTION = "cocaine.security";
  private static final String BEARER = "Bearer ";

  private final byte[] token;
  private final Set<String> openCollections;
  private final Set<String> privateCollections;

  private AccessToken(byte[] token, Set<String> openCollections, Set<String> privateCollections) {
    this.token = token;
    this.openCollections = Set.copyOf(openCollections);
    this.privateCollections = Set.copyOf(privateCollections);
  }

  /** A token (empty = access control off); {@code openCollections} may be written without it. */
  public static AccessToken of(String token, Set<String> openCollections) {
    return of(token, openCollections, Set.of());
  }

  /**
   * A token (empty = access control off); {@code openCollections} may be written without it,
   * {@code privateCollections} may not be read without it (besides {@link #PLATFORM_COLLECTIONS}).
   */
  public static AccessToken of(String token, Set<String> openCollections, Set<String> privateCollections) {
    return new AccessToken(token.trim().getBytes(StandardCharsets.UTF_8), openCollections, privateCollections);
  }

  /**
   * From {@code cocaine.security}: {@code token-file} (its first line) when set, else {@code token}.
   *
   * @throws SettingsException when the token file cannot be read or is empty
   */
  public static AccessToken from(Config config) {
    Config c = config.getConfig(SECTION);
    String token = read(config);
    try {
      return of(token, Set.copyOf(c.getStringList("open-collections")), Set.copyOf(c.getStringList("private-collections")));
    } catch (ConfigException e) {
      throw new SettingsException(e.getMessage(), e);
    }
  }

  /**
   * The token {@code cocaine.security} configures ({@code token-file}'s first line when set, else
   * {@code token}; empty = none), for a client of the cluster that runs with the cluster's settings.
   *
   * @throws SettingsException naming the key when the token file cannot be read or is empty
   */
  public static String read(Config config) {
    Config c = config.getConfig(SECTION);
    String file = c.getString("token-file").trim();
    if (file.isEmpty()) {
      return c.getString("token").trim();
    }
    try {
      return readFile(Path.of(file));
    } catch (IOException e) {
      throw new SettingsException(SECTION + ".token-file: cannot read " + file + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new SettingsException(SECTION + ".token-file: " + e.getMessage(), e);
    }
  }

  /**
   * The token on the first line of {@code file}.
   *
   * @throws IOException when the file cannot be read
   * @throws IllegalArgumentException when its first line is empty
   */
  public static String readFile(Path file) throws IOException {
    String first = Files.readAllLines(file, StandardCharsets.UTF_8).stream().findFirst().orElse("");
    if (first.isBlank()) {
      throw new IllegalArgumentException(file + " holds no token on its first line");
    }
    return first.trim();
  }

  /** True when calls must carry the token. */
  public boolean required() {
    return token.length > 0;
  }

  /**
   * True when storage writes and removes in collection need no token (an app's own data listed in
   * {@code open-collections}); never for the platform's collections.
   */
  public boolean isOpen(String collection) {
    return openCollections.contains(collection) && !PLATFORM_COLLECTIONS.contains(collection);
  }

  /**
   * True when reading collection ({@code read}, {@code find}) needs the token: the platform's
   * collections and those listed in {@code private-collections}.
   */
  public boolean isPrivate(String collection) {
    return PLATFORM_COLLECTIONS.contains(collection) || privateCollections.contains(collection);
  }

  /**
   * Lets the call in, or refuses it: {@code [9, 1]} token_not_found without an {@code authorization}
   * header, {@code [9, 2]} unauthorized with a wrong one.
   *
   * @param what the call, for the message, e.g. {@code storage.write('manifests', 'echo')}
   */
  public void check(List<Header> headers, String what) {
    if (!required()) {
      return;
    }
    Optional<Header> given = Header.find(headers, Header.AUTHORIZATION);
    if (given.isEmpty()) {
      throw new CocaineException(ErrorCode.TOKEN_NOT_FOUND, what + " needs the access token: send it in the "
          + "'authorization' header as 'Bearer <token>' (cocaine CLI: --token or COCAINE_TOKEN)");
    }
    if (!accepts(new String(given.get().value(), StandardCharsets.UTF_8))) {
      throw new CocaineException(ErrorCode.UNAUTHORIZED, what + " was refused: the access token in the "
          + "'authorization' header is wrong");
    }
  }

  /** True when access control is off or the headers carry the right token; never throws. */
  public boolean allows(List<Header> headers) {
    return !required() || Header.find(headers, Header.AUTHORIZATION)
        .map(h -> accepts(new String(h.value(), StandardCharsets.UTF_8))).orElse(false);
  }

  /** Whether an {@code authorization} value ({@code Bearer <token>} or the bare token) is ours. */
  public boolean accepts(String authorization) {
    if (!required()) {
      return false;
    }
    String value = authorization.trim();
    if (value.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      value = value.substring(BEARER.length()).trim();
    }
    return MessageDigest.isEqual(value.getBytes(StandardCharsets.UTF_8), token);
  }

  /** What a client of ours sends to be let in: the {@code authorization} header, or nothing with no token. */
  public List<Header> authorization() {
    return required() ? List.of(header(new String(token, StandardCharsets.UTF_8))) : List.of();
  }

  /** The header a client sends with a call that needs the token. */
  public static Header header(String token) {
    return new Header(Header.AUTHORIZATION, (BEARER + token.trim()).getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return required() ? "AccessToken[<set>]" : "AccessToken[<none>]";
  }
}
