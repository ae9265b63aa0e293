package cocaine.builder;

import cocaine.deploy.DeploySource;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectLoader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.treewalk.TreeWalk;

/** The tree of a pushed commit as a deploy source: files read straight from the bare repository. */
record GitTree(Repository repo, RevCommit commit, String repoName) implements DeploySource {

  @Override
  public String describe() {
    return "commit " + commit.abbreviate(7).name() + " of " + repoName;
  }

  @Override
  public Optional<byte[]> file(String name, int maxBytes) throws IOException {
    try (TreeWalk walk = TreeWalk.forPath(repo, name, commit.getTree())) {
      if (walk == null || (walk.getRawMode(0) & FileMode.TYPE_MASK) != FileMode.TYPE_FILE) {
        return Optional.empty();
      }
      ObjectLoader loader = repo.open(walk.getObjectId(0));
      if (loader.getSize() > maxBytes) {
        throw new IOException(name + " is larger than " + maxBytes + " bytes");
      }
      return Optional.of(loader.getBytes());
    }
  }

  @Override
  public void writeTar(OutputStream out) throws IOException {
    TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    try (TreeWalk walk = new TreeWalk(repo)) {
      walk.addTree(commit.getTree());
      walk.setRecursive(true);
      while (walk.next()) {
        FileMode mode = walk.getFileMode(0);
        String path = walk.getPathString();
        if (mode == FileMode.SYMLINK) {
          TarArchiveEntry e = new TarArchiveEntry(path, TarConstants.LF_SYMLINK);
          e.setLinkName(new String(repo.open(walk.getObjectId(0)).getBytes(), java.nio.charset.StandardCharsets.UTF_8));
          tar.putArchiveEntry(e);
          tar.closeArchiveEntry();
        } else if (mode == FileMode.REGULAR_FILE || mode == FileMode.EXECUTABLE_FILE) {
          ObjectLoader loader = repo.open(walk.getObjectId(0));
          TarArchiveEntry e = new TarArchiveEntry(path);
          e.setSize(loader.getSize());
          e.setMode(mode == FileMode.EXECUTABLE_FILE ? 0100755 : 0100644);
          e.setModTime(commit.getCommitTime() * 1000L); // the same context for the same commit
          tar.putArchiveEntry(e);
          loader.copyTo(tar);
          tar.closeArchiveEntry();
        }
        // submodules (gitlinks) have no content in this repository: left out of the context
      }
    }
    tar.finish();
  }
}
