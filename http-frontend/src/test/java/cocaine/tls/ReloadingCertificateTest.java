package cocaine.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class ReloadingCertificateTest {
  @TempDir
  static Path dir;
  Path cert;
  Path key;
  final ListAppender<ILoggingEvent> logged = new ListAppender<>();

  @BeforeAll
  static void certificates() throws Exception {
    TestCa.make(dir, "first", "rsa");
    TestCa.make(dir, "second", "ec");
  }

  @BeforeEach
  void serve() throws Exception {
    cert = Files.copy(dir.resolve("first.pem"), dir.resolve("server.pem"), StandardCopyOption.REPLACE_EXISTING);
    key = Files.copy(dir.resolve("first.key"), dir.resolve("server.key"), StandardCopyOption.REPLACE_EXISTING);
    logged.start();
    ((Logger) LoggerFactory.getLogger(ReloadingCertificate.class)).addAppender(logged);
  }

  @AfterEach
  void detach() {
    ((Logger) LoggerFactory.getLogger(ReloadingCertificate.class)).detachAppender(logged);
  }

  @Test
  void unchangedFilesAreNotLoadedAgain() {
    ReloadingCertificate c = ReloadingCertificate.load("test", cert, key);
    assertFalse(c.reloadIfChanged());
    assertTrue(c.describe().startsWith("'CN=first'"), c.describe());
  }

  @Test
  void changedFilesAreLoadedForNewConnections() throws Exception {
    ReloadingCertificate c = ReloadingCertificate.load("test", cert, key);
    Files.copy(dir.resolve("second.pem"), cert, StandardCopyOption.REPLACE_EXISTING);
    Files.copy(dir.resolve("second.key"), key, StandardCopyOption.REPLACE_EXISTING);
    assertTrue(c.reloadIfChanged());
    assertTrue(c.describe().startsWith("'CN=second'"), c.describe());
    assertTrue(logged.list.stream().anyMatch(e -> e.getFormattedMessage().contains("new certificate 'CN=second'")),
        logged.list.toString());
  }

  @Test
  void aHalfReplacedPairKeepsThePreviousCertificateAndIsLoggedOnce() throws Exception {
    ReloadingCertificate c = ReloadingCertificate.load("test", cert, key);
    Files.copy(dir.resolve("second.pem"), cert, StandardCopyOption.REPLACE_EXISTING); // the key is still the first's
    for (int i = 0; i < 5; i++) {
      assertFalse(c.reloadIfChanged());
    }
    assertTrue(c.describe().startsWith("'CN=first'"), c.describe());
    assertEquals(1, logged.list.stream().filter(e -> e.getFormattedMessage().contains("cannot be used")).count(),
        logged.list.toString());
    Files.copy(dir.resolve("second.key"), key, StandardCopyOption.REPLACE_EXISTING);
    assertTrue(c.reloadIfChanged(), "the pair is right again");
    assertTrue(c.describe().startsWith("'CN=second'"), c.describe());
    Files.delete(key);
    assertFalse(c.reloadIfChanged(), "a file gone for a moment (a rename in progress) keeps the certificate");
    assertTrue(c.describe().startsWith("'CN=second'"), c.describe());
  }
}
