package cocaine.deploy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** A local app directory as a deploy source ({@code cocaine app deploy PATH}). */
public record DirectorySource(Path dir) implements DeploySource {

  @Override
  public String describe() {
    return "directory " + dir;
  }

  @Override
  public Optional<byte[]> file(String name, int maxBytes) throws IOException {
    Path file = dir.resolve(name);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    if (Files.size(file) > maxBytes) {
      throw new IOException(name + " is larger than " + maxBytes + " bytes");
    }
    return Optional.of(Files.readAllBytes(file));
  }

  @Override
  public void writeTar(OutputStream out) throws IOException {
    TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(dir)) {
      paths = walk.filter(p -> !p.equals(dir)).sorted().toList();
    }
    for (Path p : paths) {
      String name = dir.relativize(p).toString().replace('\\', '/');
      if (name.equals(".git") || name.startsWith(".git/")) {
        continue; // the build context is the tree, not its history
      }
      if (Files.isSymbolicLink(p)) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
        e.setLinkName(Files.readSymbolicLink(p).toString());
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
      } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
        tar.putArchiveEntry(new TarArchiveEntry(name + "/"));
        tar.closeArchiveEntry();
      } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(Files.size(p));
        e.setMode(Files.isExecutable(p) ? 0100755 : 0100644);
        tar.putArchiveEntry(e);
        Files.copy(p, tar);
        tar.closeArchiveEntry();
      }
    }
    tar.finish();
  }
}
