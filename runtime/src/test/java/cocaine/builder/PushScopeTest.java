package cocaine.builder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.junit.jupiter.api.Test;

/** The {@code apps} option of authorized_keys entries, read as MINA SSHD parses the file. */
class PushScopeTest {
  static final String KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFSgm6uaS7hwmWAp8y+DyQa9IotvI9NQbnVhoDF69WLn dev@laptop";

  @Test
  void appsOptionAllowsItsAppsAndRefusesOthersNamingWhatItAllows() {
    PushScope scope = scope("apps=\"web,echo\" " + KEY, false);
    assertEquals(Optional.empty(), scope.refusal("echo"));
    assertEquals(Optional.empty(), scope.refusal("web"));
    assertEquals(Optional.of("its authorized_keys entry allows apps=\"echo,web\" only"), scope.refusal("api"));
    assertEquals(Optional.of("its authorized_keys entry allows apps=\"echo,web\" only"), scope.refusal("echo2"));
  }

  @Test
  void namesAreTrimmedAndTheOptionNameIsCaseInsensitiveWithOtherOptionsBeside() {
    PushScope scope = scope("no-pty,APPS=\" echo , web \",from=\"10.0.0.0/8\" " + KEY, false);
    assertEquals(Optional.empty(), scope.refusal("echo"));
    assertEquals(Optional.empty(), scope.refusal("web"));
    assertTrue(scope.refusal("api").isPresent());
  }

  @Test
  void starAllowsEveryApp() {
    assertEquals(Optional.empty(), scope("apps=\"*\" " + KEY, false).refusal("anything"));
    assertEquals(Optional.empty(), scope("apps=\"echo,*\" " + KEY, false).refusal("anything"));
  }

  @Test
  void entryWithoutTheOptionMayPushNothingUnlessTheOperatorAllowsUnscopedKeys() {
    assertEquals(Optional.of("its authorized_keys entry has no apps option; put apps=\"APP,...\" in front of the key"
            + " to say which apps it may push (cocaine.builder.allow-unscoped-keys = true lets entries without one"
            + " push every app)"),
        scope(KEY, false).refusal("echo"));
    assertEquals(Optional.empty(), scope(KEY, true).refusal("echo"));
    assertEquals(Optional.empty(), scope("no-pty " + KEY, true).refusal("echo"));
  }

  @Test
  void anOptionThatDoesNotReadLetsTheKeyPushNothingNamingTheBadName() {
    for (String bad : new String[] {"Echo", "", "echo,,web", "../etc", "a/b", "team-*", "echo web"}) {
      PushScope scope = scope("apps=\"" + bad + "\" " + KEY, true);
      for (String app : new String[] {"echo", "web", "team-a"}) {
        Optional<String> refusal = scope.refusal(app);
        assertTrue(refusal.isPresent() && refusal.get().startsWith("the apps option of its authorized_keys entry"
            + " cannot be read: '"), bad + " -> " + refusal);
        assertTrue(refusal.get().contains("is not an app name (lowercase letters, digits and . _ -,"
            + " comma-separated; \"*\" alone for every app)"), refusal.get());
      }
    }
    assertTrue(scope("apps=\"Echo,web\" " + KEY, false).refusal("web").get().contains("'Echo' is not an app name"));
  }

  private static PushScope scope(String line, boolean allowUnscoped) {
    return PushScope.of(AuthorizedKeyEntry.parseAuthorizedKeyEntry(line).getLoginOptions(), allowUnscoped);
  }
}
