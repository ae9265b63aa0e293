package cocaine.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18's TLS on the front door and the admin port, with the real runtime ({@code --role all},
 * the {@code http-echo} example) and the real {@code curl}. The certificates come from {@code
 * scripts/test-ca.sh}, which runs openssl:
 * <pre>
 * openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=cocaine test CA" ...
 * openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out tls-a.key      (tls-b: -algorithm EC, P-256)
 * openssl req -new -key tls-a.key -subj "/CN=tls-a" -out tls-a.csr
 * openssl x509 -req -in tls-a.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out tls-a.pem \
 *   -extfile (subjectAltName=IP:127.0.0.1,DNS:localhost; extendedKeyUsage=serverAuth)
 * </pre>
 * The proxy serves HTTPS and redirects plain HTTP to it; the admin port is HTTPS only; both present
 * {@code server.pem}/{@code server.key}, which the last test replaces while the runtime runs.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TlsIT {
  static final Path APP = RuntimeProcess.HOME.resolve("examples/target/apps/http-echo");
  static final Path TEST_CA = RuntimeProcess.HOME.resolve("scripts/test-ca.sh");

  @TempDir
  static Path dir;
  static Path certs;
  static RuntimeProcess runtime;
  static int proxyTls;
  static int adminTls;

  @BeforeAll
  static void start() throws Exception {
    certs = Files.createDirectories(dir.resolve("certs"));
    run(List.of(TEST_CA.toString(), certs.toString(), "tls-a", "rsa"));
    run(List.of(TEST_CA.toString(), certs.toString(), "tls-b", "ec"));
    Files.copy(certs.resolve("tls-a.pem"), certs.resolve("server.pem"));
    Files.copy(certs.resolve("tls-a.key"), certs.resolve("server.key"));
    proxyTls = RuntimeProcess.freePort();
    adminTls = RuntimeProcess.freePort();
    String files = "certificate = \"" + certs.resolve("server.pem") + "\", key = \"" + certs.resolve("server.key") + "\"";
    runtime = RuntimeProcess.start(dir.resolve("runtime"), "all", String.join("\n",
        "cocaine.proxy { http = redirect, tls { " + files + ", port = " + proxyTls + ", reload-interval = 200ms } }",
        "cocaine.admin { http = off, tls { " + files + ", port = " + adminTls + ", reload-interval = 200ms } }"));
    cli("profile", "upload", "-n", "http-echo", "-r", APP.resolve("profile.json").toString());
    cli("app", "upload", APP.toString());
    cli("app", "start", "-n", "http-echo", "-r", "http-echo");
    await("http-echo answers through the proxy over HTTPS").atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> curl("--cacert", ca(), "-d", "ready", proxy("/http-echo/echo")).output().equals("ready"));
  }

  @AfterAll
  static void stop() {
    if (runtime != null) {
      runtime.close();
    }
  }

  @Test
  @Order(1)
  void theFrontDoorServesHttpsToClientsThatTrustTheCa() throws Exception {
    Command.Result r = curl("--cacert", ca(), "-d", "hello over tls", proxy("/http-echo/echo"));
    assertEquals(0, r.exit(), r.output());
    assertEquals("hello over tls", r.output());
    Command.Result untrusted = curl(proxy("/http-echo/echo"));
    assertEquals(60, untrusted.exit(), "curl checks the certificate against its own CAs: " + untrusted.output());
  }

  @Test
  @Order(2)
  void plainHttpIsRedirectedToHttpsWithMethodAndBodyKept() throws Exception {
    String plain = "http://127.0.0.1:" + runtime.proxyPort() + "/http-echo/echo?x=1";
    Command.Result head = curl("-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "-d", "redirected", plain);
    assertEquals("308 https://127.0.0.1:" + proxyTls + "/http-echo/echo?x=1", head.output());
    Command.Result followed = curl("-L", "--cacert", ca(), "-d", "redirected", plain);
    assertEquals("redirected", followed.output(), "curl re-sends the POST and its body after a 308");
  }

  @Test
  @Order(3)
  void theAdminPortIsHttpsOnly() throws Exception {
    Command.Result ping = curl("--cacert", ca(), "https://127.0.0.1:" + adminTls + "/ping");
    assertEquals("OK\n", ping.output());
    // `http = off`: no HTTP answer on the plain admin port. Usually nothing listens there (curl's exit
    // 7), but the number was only free when the test picked it, and a listener the runtime binds on
    // an ephemeral port (an app's service) can get it: that one is not HTTP and closes (exit 52).
    // (curl exits 0 on any HTTP answer)
    Command.Result plain = curl("http://127.0.0.1:" + runtime.adminPort() + "/ping");
    assertTrue(plain.exit() == 7 || plain.exit() == 52,
        "no HTTP answer on the plain admin port: exit " + plain.exit() + ", " + plain.output());
  }

  @Test
  @Order(4)
  void aReplacedCertificateIsPresentedToNewConnections() throws Exception {
    assertTrue(subject(proxy("/http-echo/echo")).contains("CN=tls-a"));
    // as certificate tools do it: each file written beside and renamed over the old one
    replace("tls-b.key", "server.key");
    replace("tls-b.pem", "server.pem");
    await("new connections get the new certificate").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
        .until(() -> subject(proxy("/http-echo/echo")).contains("CN=tls-b")
            && subject("https://127.0.0.1:" + adminTls + "/ping").contains("CN=tls-b"));
    assertEquals("after the reload", curl("--cacert", ca(), "-d", "after the reload", proxy("/http-echo/echo")).output());
    assertTrue(runtime.output().contains("HTTP proxy: new certificate 'CN=tls-b'"), runtime.output());
    assertTrue(runtime.output().contains("admin API: new certificate 'CN=tls-b'"), runtime.output());
  }

  private static String proxy(String path) {
    return "https://127.0.0.1:" + proxyTls + path;
  }

  private static String ca() {
    return certs.resolve("ca.pem").toString();
  }

  /** The server certificate's subject as curl -v reports it (OpenSSL backend: "subject: CN=..."). */
  private static String subject(String url) throws Exception {
    Command.Result r = curl("-v", "-o", "/dev/null", "--cacert", ca(), url);
    return r.output().lines().filter(l -> l.contains("subject:")).findFirst().orElse("no subject in:\n" + r.output());
  }

  private static void replace(String from, String to) throws Exception {
    Path tmp = certs.resolve(to + ".new");
    Files.copy(certs.resolve(from), tmp, StandardCopyOption.REPLACE_EXISTING);
    Files.move(tmp, certs.resolve(to), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static Command.Result curl(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("curl", "-sS", "-m", "20"));
    command.addAll(List.of(args));
    return Command.run(command, Duration.ofSeconds(30));
  }

  private static void run(List<String> command) throws Exception {
    Command.Result r = Command.run(command, Duration.ofSeconds(60));
    assertEquals(0, r.exit(), command + ": " + r.output());
  }

  private static void cli(String... args) throws Exception {
    RuntimeProcess.CliResult r = runtime.cli(args);
    assertEquals(0, r.exit(), List.of(args) + ": " + r.output());
  }
}
