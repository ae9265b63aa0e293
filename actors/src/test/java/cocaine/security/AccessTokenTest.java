package cocaine.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.config.SettingsException;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Header;
import com.typesafe.config.ConfigFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessTokenTest {
  static final String SECRET = "s3cr3t-t0ken";
  final AccessToken token = AccessToken.of(SECRET, Set.of());

  @Test
  void missingHeaderIsTokenNotFoundNamingTheCall() {
    CocaineException e = assertThrows(CocaineException.class, () -> token.check(List.of(), "node.start_app('echo')"));
    assertEquals(ErrorCode.TOKEN_NOT_FOUND, e.code());
    assertTrue(e.getMessage().startsWith("node.start_app('echo') needs the access token"), e.getMessage());
  }

  @Test
  void wrongTokenIsUnauthorizedAndTheMessageHoldsNeitherToken() {
    CocaineException e = assertThrows(CocaineException.class,
        () -> token.check(List.of(AccessToken.header("guess")), "storage.write('manifests', 'echo')"));
    assertEquals(ErrorCode.UNAUTHORIZED, e.code());
    assertFalse(e.getMessage().contains(SECRET) || e.getMessage().contains("guess"), e.getMessage());
  }

  @Test
  void rightTokenAsBearerOrBareIsAccepted() {
    token.check(List.of(AccessToken.header(SECRET)), "x");
    token.check(List.of(new Header(Header.AUTHORIZATION, SECRET.getBytes(StandardCharsets.UTF_8))), "x");
    assertFalse(token.accepts("Bearer " + SECRET + "x"));
    assertFalse(token.accepts(SECRET.substring(1)));
  }

  @Test
  void noTokenLetsEverythingInAndIsNotRequired() {
    AccessToken.NONE.check(List.of(), "x");
    assertFalse(AccessToken.of("  ", Set.of()).required());
    assertFalse(AccessToken.NONE.accepts(""), "an empty token is no token, not one anybody can send");
  }

  @Test
  void allowsTellsWithoutThrowing() {
    assertTrue(token.allows(List.of(AccessToken.header(SECRET))));
    assertFalse(token.allows(List.of(AccessToken.header("guess"))));
    assertFalse(token.allows(List.of()));
    assertTrue(AccessToken.NONE.allows(List.of()));
  }

  @Test
  void toStringNeverShowsTheToken() {
    assertEquals("AccessToken[<set>]", token.toString());
  }

  @Test
  void tokenFileReplacesTheInlineToken(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("token"), SECRET + "\nsecond line ignored\n");
    AccessToken t = AccessToken.from(config("token = other, token-file = \"" + file + "\""));
    assertTrue(t.accepts("Bearer " + SECRET));
    assertFalse(t.accepts("Bearer other"));
  }

  @Test
  void unreadableOrEmptyTokenFileStopsStartUp(@TempDir Path dir) throws Exception {
    SettingsException missing = assertThrows(SettingsException.class,
        () -> AccessToken.from(config("token-file = \"" + dir.resolve("nope") + "\"")));
    assertTrue(missing.getMessage().startsWith("cocaine.security.token-file: cannot read"), missing.getMessage());
    Path empty = Files.writeString(dir.resolve("empty"), "\n");
    assertThrows(SettingsException.class, () -> AccessToken.from(config("token-file = \"" + empty + "\"")));
  }

  @Test
  void privateAndOpenCollectionsComeFromTheConfigAndThePlatformsAreNeitherOpenNorReadable() {
    AccessToken t = AccessToken.from(config("token = x, open-collections = [cache, manifests], "
        + "private-collections = [secrets]"));
    assertTrue(t.isOpen("cache"));
    assertFalse(t.isOpen("manifests"), "the platform's collections are never open");
    assertTrue(t.isPrivate("secrets"));
    assertFalse(t.isPrivate("cache"));
    for (String platform : List.of("manifests", "profiles", "runlists", "groups", "apps", "crashlogs")) {
      assertTrue(t.isPrivate(platform), platform);
      assertFalse(t.isOpen(platform), platform);
    }
  }

  @Test
  void defaultConfigHasAccessControlOff() {
    assertFalse(AccessToken.from(ConfigFactory.load()).required());
  }

  private static com.typesafe.config.Config config(String security) {
    return ConfigFactory.parseString("cocaine.security { " + security + " }").withFallback(ConfigFactory.load());
  }
}
