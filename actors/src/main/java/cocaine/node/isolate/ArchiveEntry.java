package cocaine.node.isolate;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

/**
 * One entry of an app archive as it will be written, made from its tar header only when the header
 * alone is safe: a path inside the app folder naming a file without setuid or setgid, a folder, a
 * symlink, or a hard link to a file earlier in the archive. What depends on the other entries (where
 * a symlink leads, what lies under what) is {@link AppArchive}'s to check.
 *
 * @param name the name as stored, for messages
 * @param path normalized, relative to the app folder; empty for the folder itself
 * @param mode the stored mode bits
 * @param size bytes of content (files only)
 * @param link a symlink's target as stored, or the normalized path of the file a hard link shares
 * @param mtime the stored modification time
 */
record ArchiveEntry(String name, String path, Kind kind, int mode, long size, String link, FileTime mtime) {

  /** What an entry becomes on disk. */
  enum Kind { FOLDER, FILE, SYMLINK, HARDLINK }

  /**
   * @param earlier the entries before it, by path
   * @throws AppArchive.Refused naming the entry and what is wrong with it
   */
  static ArchiveEntry of(TarArchiveEntry e, Map<String, ArchiveEntry> earlier) throws AppArchive.Refused {
    String name = e.getName();
    String path = normalized(name, "entry " + shown(name));
    FileTime mtime = e.getLastModifiedTime() == null ? FileTime.fromMillis(0) : e.getLastModifiedTime();
    int mode = e.getMode();
    byte flag = e.getLinkFlag();
    if (e.isSymbolicLink()) {
      return new ArchiveEntry(name, notTheFolder(name, path), Kind.SYMLINK, mode, 0, e.getLinkName(), mtime);
    }
    if (e.isLink()) {
      String target = normalized(e.getLinkName(), "entry " + shown(name) + " is a hard link to "
          + shown(e.getLinkName()) + ", which");
      ArchiveEntry file = earlier.get(target);
      if (file == null || file.kind() != Kind.FILE && file.kind() != Kind.HARDLINK) {
        throw refused(name, "is a hard link to " + shown(e.getLinkName())
            + ", which is not a file earlier in the archive");
      }
      String original = file.kind() == Kind.HARDLINK ? file.link() : file.path();
      return new ArchiveEntry(name, notTheFolder(name, path), Kind.HARDLINK, mode, 0, original, mtime);
    }
    if (e.isCharacterDevice() || e.isBlockDevice()) {
      throw refused(name, "is a device node");
    }
    if (e.isFIFO()) {
      throw refused(name, "is a fifo");
    }
    if (e.isDirectory()) {
      return new ArchiveEntry(name, path, Kind.FOLDER, mode, 0, "", mtime);
    }
    if (e.isSparse()) {
      throw refused(name, "is a sparse file, which this node does not unpack");
    }
    if (flag != TarArchiveEntry.LF_NORMAL && flag != TarArchiveEntry.LF_OLDNORM && flag != TarArchiveEntry.LF_CONTIG) {
      throw refused(name, "has tar type '" + (char) flag + "'; only files, folders and links are unpacked");
    }
    if ((mode & 04000) != 0) {
      throw refused(name, "is setuid (mode " + Integer.toOctalString(mode & 07777) + ")");
    }
    if ((mode & 02000) != 0) {
      throw refused(name, "is setgid (mode " + Integer.toOctalString(mode & 07777) + ")");
    }
    return new ArchiveEntry(name, notTheFolder(name, path), Kind.FILE, mode, e.getSize(), "", mtime);
  }

  /** {@code name} relative to the app folder, without {@code .} or empty parts; refuses any way out. */
  static String normalized(String name, String what) throws AppArchive.Refused {
    if (name.isEmpty()) {
      throw new AppArchive.Refused(what + " has an empty name");
    }
    if (name.indexOf('\0') >= 0) {
      throw new AppArchive.Refused(what + " has a NUL in its name");
    }
    if (name.startsWith("/")) {
      throw new AppArchive.Refused(what + " is an absolute path, outside the app folder");
    }
    List<String> parts = new ArrayList<>();
    for (String part : name.split("/")) {
      if (part.equals("..")) {
        throw new AppArchive.Refused(what + " climbs out of the app folder with '..'");
      }
      if (!part.isEmpty() && !part.equals(".")) {
        parts.add(part);
      }
    }
    String path = String.join("/", parts);
    try {
      Path.of(path);
    } catch (InvalidPathException e) {
      throw new AppArchive.Refused(what + " has a name this node cannot write: " + e.getReason());
    }
    return path;
  }

  private static String notTheFolder(String name, String path) throws AppArchive.Refused {
    if (path.isEmpty()) {
      throw refused(name, "would replace the app folder itself");
    }
    return path;
  }

  private static AppArchive.Refused refused(String name, String why) {
    return new AppArchive.Refused("entry " + shown(name) + " " + why);
  }

  /** An entry's name as a message shows it: quoted, control characters escaped, cut at 200 characters. */
  static String shown(String name) {
    StringBuilder b = new StringBuilder("'");
    int end = Math.min(name.length(), 200);
    for (int i = 0; i < end; i++) {
      char c = name.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        b.append(String.format("\\x%02x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append(name.length() > end ? "...'" : "'").toString();
  }
}
