package cocaine.node.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.config.PathsSettings;
import cocaine.wire.CocaineException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipePathTest {
  @TempDir
  Path tmp;

  @Test
  void aPathThatFitsIsTheAppsNameThePidAndTheSlot() {
    Path run = tmp.resolve("run");
    assertEquals(run.resolve("http-echo.4242"), PipePath.of(run, "http-echo", 4242, 0));
    assertEquals(run.resolve("http-echo.4242.1"), PipePath.of(run, "http-echo", 4242, 1));
  }

  @Test
  void anAppNameTooLongForASocketGetsAShortNameThatBindsInTheLongestFolderTheSettingsAllow() throws Exception {
    int folder = PathsSettings.MAX_RUNTIME_BYTES;
    Path run = Files.createDirectories(tmp.resolve(deep(folder - tmp.toString().length() - 1)));
    assertEquals(folder, run.toString().length());
    String app = "a".repeat(60);
    Path pipe = PipePath.of(run, app, 4_194_304, 99); // the kernel's largest pid, a slot of two digits
    assertEquals(run, pipe.getParent());
    assertTrue(pipe.getFileName().toString().matches("~[0-9a-f]{16}\\.4194304\\.99"), pipe.toString());
    try (var server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(pipe)); // the bound the class assumes is the JDK's
    }
    assertEquals(pipe, PipePath.of(run, app, 4_194_304, 99), "the same app gets the same path");
    assertNotEquals(pipe, PipePath.of(run, app + "b", 4_194_304, 99));
    assertNotEquals(pipe, PipePath.of(run, app, 4_194_304, 98));
  }

  @Test
  void aFolderWithNoRoomEvenForTheShortNameIsRefusedWithWhatToChange() {
    Path run = tmp.resolve(deep(PipePath.MAX_BYTES));
    CocaineException e = assertThrows(CocaineException.class, () -> PipePath.of(run, "echo", 1, 0));
    assertTrue(e.getMessage().contains("set paths.runtime to a shorter folder"), e.getMessage());
  }

  @Test
  void theBoundIsTheJdksOwn() throws Exception {
    Path over = tmp.resolve("x".repeat(PipePath.MAX_BYTES + 1 - tmp.toString().length() - 1));
    assertEquals(PipePath.MAX_BYTES + 1, over.toString().length());
    try (var server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      assertThrows(java.io.IOException.class, () -> server.bind(UnixDomainSocketAddress.of(over)));
    }
  }

  /** A relative path of {@code length} characters in folders of at most 50. */
  private static String deep(int length) {
    StringBuilder path = new StringBuilder();
    while (path.length() < length) {
      int left = length - path.length();
      path.append(path.length() == 0 ? "" : "/").append("d".repeat(Math.min(50, left - (path.length() == 0 ? 0 : 1))));
    }
    return path.toString();
  }
}
