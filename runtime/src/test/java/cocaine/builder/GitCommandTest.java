package cocaine.builder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class GitCommandTest {
  @Test
  void repositoryArgumentsOfGitClientsNameTheApp() {
    assertEquals("echo", GitCommand.appName("'echo.git'"));
    assertEquals("echo", GitCommand.appName("'/echo.git'"));
    assertEquals("echo", GitCommand.appName("'~/echo'"));
    assertEquals("http-echo", GitCommand.appName("\"http-echo.git/\""));
  }

  @Test
  void pathsOutsideTheRepositoryFolderAndNonImageNamesAreRefused() {
    assertNull(GitCommand.appName("'../etc/passwd'"));
    assertNull(GitCommand.appName("'a/b.git'"));
    assertNull(GitCommand.appName("'Echo.git'"));
    assertNull(GitCommand.appName("''"));
  }

  @Test
  void pushOptionCanaryGivesThePercentAndAnythingElseIsRefusedNamingIt() {
    assertEquals(0, GitCommand.canary(null));
    assertEquals(0, GitCommand.canary(java.util.List.of()));
    assertEquals(20, GitCommand.canary(java.util.List.of("canary=20")));
    for (String bad : new String[] {"canary=0", "canary=100", "canary=x", "ci.skip"}) {
      IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          () -> GitCommand.canary(java.util.List.of(bad)));
      org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
    }
  }
}
