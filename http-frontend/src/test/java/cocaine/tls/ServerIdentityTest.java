package cocaine.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PEM files as openssl writes them ({@link TestCa}), read with the JDK alone. */
class ServerIdentityTest {
  @TempDir
  static Path dir;

  @BeforeAll
  static void certificates() throws Exception {
    TestCa.make(dir, "rsa", "rsa");
    TestCa.make(dir, "pkcs1", "rsa-pkcs1");
    TestCa.make(dir, "ec", "ec");
  }

  static Path file(String name) {
    return dir.resolve(name);
  }

  @Test
  void rsaAndEcKeysInPkcs8AndRsaInPkcs1AreRead() {
    for (String name : new String[] {"rsa", "pkcs1", "ec"}) {
      ServerIdentity id = ServerIdentity.read(file(name + ".pem"), file(name + ".key"));
      assertEquals("CN=" + name, id.chain().get(0).getSubjectX500Principal().getName());
      assertTrue(id.describe().startsWith("'CN=" + name + "' (valid until "), id.describe());
      SSLEngine engine = id.sslContext().createSSLEngine();
      engine.setUseClientMode(false);
      assertTrue(engine.getEnabledProtocols().length > 0);
    }
  }

  @Test
  void aChainKeepsTheServersCertificateFirstAndTextAroundBlocksIsIgnored() throws Exception {
    Path chain = file("chain.pem");
    Files.writeString(chain, "Bag Attributes: made by openssl pkcs12\n" + Files.readString(file("rsa.pem"))
        + "subject=CN = cocaine test CA\n" + Files.readString(file("ca.pem")));
    ServerIdentity id = ServerIdentity.read(chain, file("rsa.key"));
    assertEquals(2, id.chain().size());
    assertEquals("CN=cocaine test CA", id.chain().get(1).getSubjectX500Principal().getName());
  }

  @Test
  void aKeyOfAnotherCertificateIsRefusedNamingBothFiles() {
    TlsException e = assertThrows(TlsException.class, () -> ServerIdentity.read(file("rsa.pem"), file("pkcs1.key")));
    assertTrue(e.getMessage().contains("the key in " + file("pkcs1.key") + " does not belong to the certificate in "
        + file("rsa.pem")), e.getMessage());
    TlsException kind = assertThrows(TlsException.class, () -> ServerIdentity.read(file("rsa.pem"), file("ec.key")));
    assertTrue(kind.getMessage().contains("cannot be read as a RSA key"), kind.getMessage());
  }

  @Test
  void encryptedAndSec1KeysAreRefusedWithTheCommandThatConvertsThem() throws Exception {
    Path encrypted = file("encrypted.key");
    run("openssl", "pkcs8", "-topk8", "-in", file("rsa.key").toString(), "-out", encrypted.toString(), "-passout",
        "pass:secret");
    TlsException e = assertThrows(TlsException.class, () -> ServerIdentity.read(file("rsa.pem"), encrypted));
    assertTrue(e.getMessage().contains("holds an encrypted private key") && e.getMessage().contains("openssl pkey"),
        e.getMessage());
    Path legacy = file("legacy-encrypted.key");
    run("openssl", "rsa", "-traditional", "-aes128", "-in", file("pkcs1.key").toString(), "-out", legacy.toString(),
        "-passout", "pass:secret");
    assertTrue(Files.readString(legacy).contains("Proc-Type: 4,ENCRYPTED"));
    assertThrows(TlsException.class, () -> ServerIdentity.read(file("pkcs1.pem"), legacy));
    Path sec1 = file("sec1.key");
    run("openssl", "ec", "-in", file("ec.key").toString(), "-out", sec1.toString());
    assertTrue(Files.readString(sec1).contains("BEGIN EC PRIVATE KEY"));
    TlsException ec = assertThrows(TlsException.class, () -> ServerIdentity.read(file("ec.pem"), sec1));
    assertTrue(ec.getMessage().contains("SEC1") && ec.getMessage().contains("openssl pkcs8 -topk8 -nocrypt"), ec.getMessage());
  }

  @Test
  void missingOrEmptyFilesAreRefusedWithTheFileNamed() throws Exception {
    TlsException missing = assertThrows(TlsException.class, () -> ServerIdentity.read(file("absent.pem"), file("rsa.key")));
    assertEquals("cannot read " + file("absent.pem") + ": no such file", missing.getMessage());
    Path empty = Files.writeString(file("empty.pem"), "not a certificate\n", StandardCharsets.US_ASCII);
    TlsException noCert = assertThrows(TlsException.class, () -> ServerIdentity.read(empty, file("rsa.key")));
    assertTrue(noCert.getMessage().contains(empty + " holds no PEM certificate"), noCert.getMessage());
    TlsException noKey = assertThrows(TlsException.class, () -> ServerIdentity.read(file("rsa.pem"), file("rsa.pem")));
    assertTrue(noKey.getMessage().contains("holds no PEM private key"), noKey.getMessage());
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", command) + ": " + out);
  }
}
