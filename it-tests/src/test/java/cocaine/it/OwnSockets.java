package cocaine.it;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The established TCP connections of one process, read from /proc (Linux), for tests of where traffic goes. */
final class OwnSockets {
  /** One established connection: its two ends as /proc writes them (hex address:port). */
  record Connection(String local, String remote) {}

  private OwnSockets() {}

  /** The established TCP connections whose sockets process {@code pid} holds. */
  static List<Connection> established(long pid) throws IOException {
    Set<String> inodes = new HashSet<>();
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
      for (Path fd : fds) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            inodes.add(target.substring("socket:[".length(), target.length() - 1));
          }
        } catch (IOException e) {
          // closed meanwhile
        }
      }
    }
    List<Connection> out = new ArrayList<>();
    for (String table : List.of("tcp", "tcp6")) {
      Path file = Path.of("/proc", Long.toString(pid), "net", table);
      if (!Files.exists(file)) {
        continue;
      }
      for (String line : Files.readAllLines(file).subList(1, Files.readAllLines(file).size())) {
        String[] f = line.trim().split("\\s+");
        if (f.length > 9 && f[3].equals("01") && inodes.contains(f[9])) { // 01: ESTABLISHED
          out.add(new Connection(f[1], f[2]));
        }
      }
    }
    return out;
  }

  /** The connections of {@code pid} whose other end {@code pid} holds too: the process talking to itself over TCP. */
  static List<Connection> toItself(long pid) throws IOException {
    List<Connection> all = established(pid);
    Set<String> locals = new HashSet<>();
    all.forEach(c -> locals.add(c.local()));
    return all.stream().filter(c -> locals.contains(c.remote())).toList();
  }
}
