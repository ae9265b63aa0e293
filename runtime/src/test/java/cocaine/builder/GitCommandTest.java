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
}
