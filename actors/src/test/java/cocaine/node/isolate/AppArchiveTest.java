package cocaine.node.isolate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each hostile archive is refused naming its entry, with nothing written; a normal one unpacks. */
class AppArchiveTest {
  static final AppArchive.Limits LIMITS = new AppArchive.Limits(1L << 20, 100);

  @TempDir
  Path dir;

  /** One tar entry: its header and, for a file, its content. */
  record Item(TarArchiveEntry entry, byte[] content) {}

  static Item file(String name, String content) {
    return file(name, content, 0644, e -> {});
  }

  static Item file(String name, String content, int mode, Consumer<TarArchiveEntry> more) {
    TarArchiveEntry e = new TarArchiveEntry(name, true);
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    e.setSize(bytes.length);
    e.setMode(0100000 | mode);
    more.accept(e);
    return new Item(e, bytes);
  }

  static Item folder(String name, int mode) {
    TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/", true);
    e.setMode(040000 | mode);
    return new Item(e, new byte[0]);
  }

  static Item link(String name, byte flag, String target) {
    TarArchiveEntry e = new TarArchiveEntry(name, flag, true);
    e.setLinkName(target);
    return new Item(e, new byte[0]);
  }

  static Item special(String name, byte flag) {
    TarArchiveEntry e = new TarArchiveEntry(name, flag, true);
    e.setMode(0644);
    return new Item(e, new byte[0]);
  }

  static byte[] tar(Item... items) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (Item item : items) {
        tar.putArchiveEntry(item.entry());
        tar.write(item.content());
        tar.closeArchiveEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static byte[] gzip(byte[] plain) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
      gz.write(plain);
    }
    return bytes.toByteArray();
  }

  /** Unpacks into an empty folder, expecting a refusal: its message, and that nothing was written. */
  private String refused(byte[] archive) throws IOException {
    Path target = Files.createTempDirectory(dir, "target");
    Set<Path> before = list(dir);
    AppArchive.Refused e = assertThrows(AppArchive.Refused.class, () -> AppArchive.unpack(archive, target, LIMITS));
    assertEquals(Set.of(), list(target), "nothing is written before the refusal");
    assertEquals(before, list(dir), "nothing is written beside it");
    return e.getMessage();
  }

  private static Set<Path> list(Path folder) throws IOException {
    try (var paths = Files.list(folder)) {
      return paths.collect(Collectors.toSet());
    }
  }

  @Test
  void anEntryClimbingOutWithDotDotIsRefused() throws IOException {
    assertEquals("entry 'ok/../../evil' climbs out of the app folder with '..'",
        refused(tar(file("ok/file", "x"), file("ok/../../evil", "owned"))));
  }

  @Test
  void anAbsolutePathIsRefused() throws IOException {
    String evil = dir.resolve("evil").toString();
    assertEquals("entry '" + evil + "' is an absolute path, outside the app folder", refused(tar(file(evil, "owned"))));
  }

  @Test
  void aSymlinkPointingOutIsRefused() throws IOException {
    assertEquals("entry 'etc' is a symlink to '/etc', which leads to an absolute path, outside the app folder",
        refused(tar(link("etc", TarArchiveEntry.LF_SYMLINK, "/etc"))));
  }

  @Test
  void aSymlinkClimbingOutIsRefused() throws IOException {
    assertEquals("entry 'sub/up' is a symlink to '../..', which leads outside the app folder",
        refused(tar(folder("sub", 0755), link("sub/up", TarArchiveEntry.LF_SYMLINK, "../.."))));
  }

  @Test
  void aSymlinkThatClimbsOutOnlyThroughAnotherSymlinkIsRefused() throws IOException {
    // "x/.." reads as the folder itself, but x is the folder, so x/.. is its parent
    assertEquals("entry 'y' is a symlink to 'x/..', which leads outside the app folder", refused(tar(
        link("a", TarArchiveEntry.LF_SYMLINK, "."),
        link("x", TarArchiveEntry.LF_SYMLINK, "a"),
        link("y", TarArchiveEntry.LF_SYMLINK, "x/.."))));
  }

  @Test
  void anEntryWrittenThroughASymlinkIsRefused() throws IOException {
    // even through a link that stays inside: nothing is ever written through a link
    assertEquals("entry 'in/evil' lies under the symlink 'in'",
        refused(tar(folder("sub", 0755), link("in", TarArchiveEntry.LF_SYMLINK, "sub"), file("in/evil", "x"))));
    assertEquals("entry 'f/evil' lies under the file 'f'", refused(tar(file("f", "x"), file("f/evil", "x"))));
  }

  @Test
  void aSymlinkLoopIsRefused() throws IOException {
    assertEquals("entry 'a' is a symlink to 'b', which loops through more than 40 symlinks", refused(tar(
        link("a", TarArchiveEntry.LF_SYMLINK, "b"), link("b", TarArchiveEntry.LF_SYMLINK, "a"))));
  }

  @Test
  void aHardLinkPointingOutIsRefused() throws IOException {
    assertEquals("entry 'passwd' is a hard link to '/etc/passwd', which is an absolute path, outside the app folder",
        refused(tar(link("passwd", TarArchiveEntry.LF_LINK, "/etc/passwd"))));
    assertEquals("entry 'passwd' is a hard link to '../../etc/passwd', which climbs out of the app folder with '..'",
        refused(tar(link("passwd", TarArchiveEntry.LF_LINK, "../../etc/passwd"))));
  }

  @Test
  void aHardLinkToNoEarlierFileIsRefused() throws IOException {
    assertEquals("entry 'l' is a hard link to 'later', which is not a file earlier in the archive",
        refused(tar(link("l", TarArchiveEntry.LF_LINK, "later"), file("later", "x"))));
    assertEquals("entry 'l' is a hard link to 'sub', which is not a file earlier in the archive",
        refused(tar(folder("sub", 0755), link("l", TarArchiveEntry.LF_LINK, "sub"))));
  }

  @Test
  void setuidAndSetgidFilesAreRefused() throws IOException {
    assertEquals("entry 'bin/su' is setuid (mode 4755)", refused(tar(file("bin/su", "#!/bin/sh", 04755, e -> {}))));
    assertEquals("entry 'bin/sg' is setgid (mode 2755)", refused(tar(file("bin/sg", "#!/bin/sh", 02755, e -> {}))));
  }

  @Test
  void deviceNodesAreRefused() throws IOException {
    assertEquals("entry 'dev/mem' is a device node", refused(tar(special("dev/mem", TarArchiveEntry.LF_CHR))));
    assertEquals("entry 'dev/sda' is a device node", refused(tar(special("dev/sda", TarArchiveEntry.LF_BLK))));
  }

  @Test
  void aFifoIsRefused() throws IOException {
    assertEquals("entry 'pipe' is a fifo", refused(tar(file("a", "x"), special("pipe", TarArchiveEntry.LF_FIFO))));
  }

  @Test
  void anEntryTwiceIsRefused() throws IOException {
    assertEquals("entry './a' appears twice", refused(tar(file("a", "x"), file("./a", "y"))));
  }

  @Test
  void whatIsNotATarIsRefused() throws IOException {
    assertTrue(refused("not a tar".getBytes(StandardCharsets.UTF_8)).startsWith("it is not a tar archive"));
    assertTrue(refused(gzip("not a tar".getBytes(StandardCharsets.UTF_8))).startsWith("it is not a tar archive"));
    byte[] cut = tar(file("a", "x".repeat(2000)));
    assertTrue(refused(java.util.Arrays.copyOf(cut, 1024)).startsWith("it cannot be read as a tar"));
  }

  @Test
  void archivesPastTheBoundsAreRefusedNamingTheSetting() throws IOException {
    Item[] many = new Item[101];
    for (int i = 0; i < many.length; i++) {
      many[i] = file("f" + i, "");
    }
    assertEquals("it holds more than 100 entries (cocaine.isolate.archive.max-entries)", refused(tar(many)));
    assertEquals("its files hold more than 1048576 bytes (cocaine.isolate.archive.max-bytes); entry 'big' passes the"
        + " bound", refused(tar(file("small", "x"), file("big", "x".repeat(1 << 20)))));
  }

  @Test
  void aNormalArchiveUnpacksWithItsModesAndLinksButNotItsOwners() throws Exception {
    Instant mtime = Instant.parse("2020-01-02T03:04:05Z");
    byte[] plain = tar(
        folder("./", 0755),
        folder("bin", 0555),
        file("bin/worker", "#!/bin/sh\necho hi\n", 0777, e -> {
          e.setUserId(4242);
          e.setGroupId(4242);
          e.setModTime(java.util.Date.from(mtime));
        }),
        file("lib/v1/data.txt", "data", 0600, e -> {}),
        link("lib/current", TarArchiveEntry.LF_SYMLINK, "v1"),
        link("lib/v1/self", TarArchiveEntry.LF_SYMLINK, "../v1/data.txt"),
        link("bin/run", TarArchiveEntry.LF_LINK, "./bin/worker"),
        link("dangling", TarArchiveEntry.LF_SYMLINK, "not/there"));

    for (byte[] archive : List.of(plain, gzip(plain))) {
      Path target = Files.createTempDirectory(dir, "unpacked");
      AppArchive.unpack(archive, target, LIMITS);

      Path worker = target.resolve("bin/worker");
      assertEquals("#!/bin/sh\necho hi\n", Files.readString(worker));
      assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(worker)),
          "group and world write are dropped");
      assertEquals(Files.getOwner(target), Files.getOwner(worker), "the runtime's user, not 4242");
      assertEquals(FileTime.from(mtime), Files.getLastModifiedTime(worker));
      assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(target.resolve("bin"))),
          "a folder stays the owner's to write");
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
          target.resolve("lib/v1/data.txt"))));
      assertEquals("data", Files.readString(target.resolve("lib/current/data.txt")));
      assertEquals("data", Files.readString(target.resolve("lib/v1/self")));
      assertEquals(Path.of("v1"), Files.readSymbolicLink(target.resolve("lib/current")));
      assertEquals(Files.readAttributes(worker, "unix:ino").get("ino"),
          Files.readAttributes(target.resolve("bin/run"), "unix:ino").get("ino"), "a hard link, not a copy");
      assertTrue(Files.isSymbolicLink(target.resolve("dangling"))
          && Files.notExists(target.resolve("dangling")), "a dangling link inside is kept");
    }
  }
}
