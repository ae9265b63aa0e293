package cocaine.node.isolate;

import static cocaine.node.isolate.ArchiveEntry.shown;

import cocaine.node.isolate.ArchiveEntry.Kind;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * An app's stored archive (a tar, plain or gzip-compressed) unpacked into the app's folder only when
 * every entry is safe to write there. The whole archive is read before anything is written; one entry
 * outside the folder ({@code ..}, an absolute path, a symlink or a hard link pointing out), a setuid or
 * setgid file, a device node, a fifo or any other special file refuses the whole archive, naming the
 * entry. Owners are never applied: the files belong to the runtime's user, with the archive's
 * permission bits less group and world write.
 */
final class AppArchive {
  /** Symlinks followed while resolving one link's target; more is a loop (Linux stops at 40). */
  private static final int MAX_LINK_HOPS = 40;
  private static final byte[] GZIP_MAGIC = {0x1f, (byte) 0x8b};
  private static final int TAR_BLOCK = 512;

  private AppArchive() {}

  /**
   * Bounds of one archive.
   *
   * @param maxBytes bytes of file content at most, summed over the entries' declared sizes
   * @param maxEntries entries at most
   */
  record Limits(long maxBytes, int maxEntries) {
    Limits {
      if (maxBytes < 1 || maxEntries < 1) {
        throw new IllegalArgumentException("maxBytes: " + maxBytes + ", maxEntries: " + maxEntries
            + " (expected: both >= 1)");
      }
    }
  }

  /** Why an archive was refused before anything was written; the message names the entry. */
  static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message);
    }
  }

  /**
   * Checks every entry of {@code archive}, then writes them under {@code folder} (an empty folder).
   *
   * @throws Refused naming the first unsafe entry, or when the archive cannot be read; nothing is written
   * @throws IOException when writing fails; what was written stays in {@code folder} for the caller to remove
   */
  static void unpack(byte[] archive, Path folder, Limits limits) throws Refused, IOException {
    List<ArchiveEntry> entries = scan(archive, limits);
    write(archive, entries, folder);
  }

  /** Reads the whole archive and checks every entry; writes nothing. */
  private static List<ArchiveEntry> scan(byte[] archive, Limits limits) throws Refused {
    List<ArchiveEntry> entries = new ArrayList<>();
    Map<String, ArchiveEntry> byPath = new HashMap<>();
    long bytes = 0;
    try (TarArchiveInputStream tar = open(archive)) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        if (entries.size() == limits.maxEntries()) {
          throw new Refused("it holds more than " + limits.maxEntries() + " entries"
              + " (cocaine.isolate.archive.max-entries)");
        }
        ArchiveEntry entry = ArchiveEntry.of(e, byPath);
        bytes += entry.size();
        if (bytes > limits.maxBytes()) {
          throw new Refused("its files hold more than " + limits.maxBytes() + " bytes"
              + " (cocaine.isolate.archive.max-bytes); entry " + shown(entry.name()) + " passes the bound");
        }
        ArchiveEntry before = byPath.put(entry.path(), entry);
        if (before != null && (before.kind() != Kind.FOLDER || entry.kind() != Kind.FOLDER)) {
          throw new Refused("entry " + shown(entry.name()) + " appears twice");
        }
        entries.add(entry);
      }
    } catch (IOException | RuntimeException e) {
      // a malformed header, a bad checksum, a cut or corrupt stream: all the archive's own fault
      throw new Refused("it cannot be read as a tar (plain or gzip-compressed): "
          + (e.getMessage() == null ? e.toString() : e.getMessage()));
    }
    for (ArchiveEntry entry : entries) {
      underAnotherEntry(entry, byPath);
      if (entry.kind() == Kind.SYMLINK) {
        symlinkStaysInside(entry, byPath);
      }
    }
    return entries;
  }

  private static TarArchiveInputStream open(byte[] archive) throws IOException, Refused {
    InputStream in = new ByteArrayInputStream(archive);
    if (archive.length >= 2 && archive[0] == GZIP_MAGIC[0] && archive[1] == GZIP_MAGIC[1]) {
      in = GzipCompressorInputStream.builder().setInputStream(in).setDecompressConcatenated(true).get();
    }
    BufferedInputStream buffered = new BufferedInputStream(in, TAR_BLOCK);
    buffered.mark(TAR_BLOCK);
    byte[] head = buffered.readNBytes(TAR_BLOCK);
    buffered.reset();
    if (!TarArchiveInputStream.matches(head, head.length)) {
      throw new Refused("it is not a tar archive, plain or gzip-compressed (no ustar header at its start)");
    }
    return new TarArchiveInputStream(buffered);
  }

  /** An entry below a symlink or a file would be written through it, or not at all. */
  private static void underAnotherEntry(ArchiveEntry entry, Map<String, ArchiveEntry> byPath) throws Refused {
    String path = entry.path();
    for (int slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
      ArchiveEntry above = byPath.get(path.substring(0, slash));
      if (above != null && above.kind() != Kind.FOLDER) {
        String what = above.kind() == Kind.SYMLINK ? "the symlink " : "the file ";
        throw new Refused("entry " + shown(entry.name()) + " lies under " + what + shown(above.name()));
      }
    }
  }

  /**
   * Resolves the link's target as the kernel would once every entry is written, following the
   * archive's other symlinks, and refuses it when any step leaves the app folder.
   */
  private static void symlinkStaysInside(ArchiveEntry link, Map<String, ArchiveEntry> byPath) throws Refused {
    String what = "entry " + shown(link.name()) + " is a symlink to " + shown(link.link());
    if (link.link().isEmpty()) {
      throw new Refused("entry " + shown(link.name()) + " is a symlink with no target");
    }
    if (link.link().indexOf('\0') >= 0) {
      throw new Refused(what + ", which has a NUL in it");
    }
    List<String> at = new ArrayList<>(List.of(link.path().split("/")));
    at.remove(at.size() - 1); // the link's folder
    Deque<String> todo = new ArrayDeque<>();
    push(todo, link.link());
    int hops = 0;
    while (!todo.isEmpty()) {
      String part = todo.pollFirst();
      if (part.equals("/")) {
        throw new Refused(what + ", which leads to an absolute path, outside the app folder");
      }
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (at.isEmpty()) {
          throw new Refused(what + ", which leads outside the app folder");
        }
        at.remove(at.size() - 1);
        continue;
      }
      at.add(part);
      ArchiveEntry next = byPath.get(String.join("/", at));
      if (next != null && next.kind() == Kind.SYMLINK) {
        if (++hops > MAX_LINK_HOPS) {
          throw new Refused(what + ", which loops through more than " + MAX_LINK_HOPS + " symlinks");
        }
        at.remove(at.size() - 1);
        push(todo, next.link());
      }
    }
  }

  /** Puts a target's parts before what is left to resolve; an absolute target starts with "/". */
  private static void push(Deque<String> todo, String target) {
    String[] parts = target.split("/", -1);
    for (int i = parts.length - 1; i >= 0; i--) {
      todo.addFirst(parts[i]);
    }
    if (target.startsWith("/")) {
      todo.addFirst("/");
    }
  }

  private static void write(byte[] archive, List<ArchiveEntry> entries, Path folder) throws IOException {
    List<ArchiveEntry> folders = new ArrayList<>();
    List<ArchiveEntry> symlinks = new ArrayList<>();
    try (TarArchiveInputStream tar = open(archive)) {
      for (ArchiveEntry entry : entries) {
        TarArchiveEntry e = tar.getNextEntry();
        if (e == null || !e.getName().equals(entry.name())) {
          throw new IOException("the archive read differently the second time at " + shown(entry.name()));
        }
        Path path = folder.resolve(entry.path());
        switch (entry.kind()) {
          case FOLDER -> {
            Files.createDirectories(path);
            folders.add(entry);
          }
          case FILE -> {
            Files.createDirectories(path.getParent());
            // CREATE_NEW: never through a link, never over another file
            try (OutputStream out = Files.newOutputStream(path, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
              tar.transferTo(out);
            }
            Files.setPosixFilePermissions(path, permissions(entry.mode() & 0755));
            Files.setLastModifiedTime(path, entry.mtime());
          }
          case HARDLINK -> {
            Files.createDirectories(path.getParent());
            Files.createLink(path, folder.resolve(entry.link()));
          }
          case SYMLINK -> symlinks.add(entry);
          default -> throw new IllegalStateException("kind " + entry.kind());
        }
      }
    } catch (Refused e) {
      throw new IOException("the archive read differently the second time: " + e.getMessage(), e);
    }
    // links last: nothing is ever written through one
    for (ArchiveEntry link : symlinks) {
      Path path = folder.resolve(link.path());
      Files.createDirectories(path.getParent());
      Files.createSymbolicLink(path, Path.of(link.link()));
    }
    // folder modes last and deepest first: a read-only folder must not stop its own entries
    folders.sort(Comparator.comparingInt((ArchiveEntry f) -> f.path().length()).reversed());
    for (ArchiveEntry f : folders) {
      Files.setPosixFilePermissions(folder.resolve(f.path()), permissions(f.mode() & 0755 | 0700));
    }
  }

  private static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ ... OTHERS_EXECUTE, 0400 ... 0001
    for (int i = 0; i < bits.length; i++) {
      if ((mode & (0400 >> i)) != 0) {
        set.add(bits[i]);
      }
    }
    return set;
  }
}
