package cocaine.deploy;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Optional;

/** What a deploy builds: a pushed git tree or a directory; the Docker build context and its files. */
public interface DeploySource {
  /** For messages: "commit 1a2b3c4 of echo.git", "directory /src/echo". */
  String describe();

  /** A regular file at the top of the source, if it exists; refused if larger than {@code maxBytes}. */
  Optional<byte[]> file(String name, int maxBytes) throws IOException;

  /** Writes the whole source as an uncompressed tar (the build context), file modes kept. */
  void writeTar(OutputStream out) throws IOException;
}
