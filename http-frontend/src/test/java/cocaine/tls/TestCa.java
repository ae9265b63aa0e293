package cocaine.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Certificates for TLS tests, made by {@code scripts/test-ca.sh} with the real openssl (the commands
 * are in the script): a CA ({@code ca.pem}) and server certificates for 127.0.0.1 signed by it.
 */
final class TestCa {
  static final Path SCRIPT = Path.of(System.getProperty("user.dir")).resolve("../scripts/test-ca.sh").normalize();

  private TestCa() {}

  /**
   * Makes {@code dir/name.pem} and {@code dir/name.key} (and the CA in {@code dir} if absent).
   *
   * @param kind rsa (PKCS#8), rsa-pkcs1 or ec (PKCS#8)
   */
  static void make(Path dir, String name, String kind) throws IOException, InterruptedException {
    Path out = Files.createTempFile("test-ca", ".out");
    try {
      Process p = new ProcessBuilder(SCRIPT.toString(), dir.toString(), name, kind).redirectErrorStream(true)
          .redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(SCRIPT + " took over 60 s: " + Files.readString(out));
      }
      if (p.exitValue() != 0) {
        throw new AssertionError(SCRIPT + " " + name + " " + kind + " exited with " + p.exitValue() + " (is openssl "
            + "installed? scripts/setup-test-deps.sh): " + Files.readString(out));
      }
    } finally {
      Files.deleteIfExists(out);
    }
  }
}
