package cocaine.tls;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.HttpsConnectionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificate an HTTPS listener presents, reloaded when its PEM files change: each new
 * connection gets the identity loaded last, connections already open keep theirs. The files are
 * compared by content at every check, so a replaced file, a rewritten one and a moved symlink (as
 * certificate tools and Kubernetes secrets do it) are all seen. A change that cannot be used (a key
 * written before its certificate, a file half written) is logged once and the previous identity
 * stays until the files are right again.
 */
public final class ReloadingCertificate {
  private static final Logger log = LoggerFactory.getLogger(ReloadingCertificate.class);

  private record Loaded(SSLContext context, String description, byte[] fingerprint) {}

  private final String listener;
  private final Path certificate;
  private final Path key;
  private final AtomicReference<Loaded> current = new AtomicReference<>();
  /** The last failure logged, so that a check every few seconds does not repeat it. */
  private String lastFailure = "";

  private ReloadingCertificate(String listener, Path certificate, Path key) {
    this.listener = listener;
    this.certificate = certificate;
    this.key = key;
  }

  /**
   * Loads the files for the first time.
   *
   * @param listener names the listener in log lines, e.g. {@code HTTP proxy}
   * @throws TlsException when they cannot be used (start-up then fails with that message)
   */
  public static ReloadingCertificate load(String listener, Path certificate, Path key) {
    ReloadingCertificate c = new ReloadingCertificate(listener, certificate, key);
    byte[] cert = ServerIdentity.read(certificate);
    byte[] k = ServerIdentity.read(key);
    c.current.set(c.loaded(cert, k));
    return c;
  }

  /** For pekko-http's {@code enableHttps}: a server-side TLS engine of the current identity per connection. */
  public HttpsConnectionContext connectionContext() {
    return ConnectionContext.httpsServer(() -> {
      SSLEngine engine = current.get().context().createSSLEngine();
      engine.setUseClientMode(false);
      return engine;
    });
  }

  /** The identity new connections get, for log lines. */
  public String describe() {
    return current.get().description();
  }

  /**
   * Reads the files and, when they changed and can be used, makes them the identity of new
   * connections. Never throws: a problem is logged (once per distinct problem).
   *
   * @return true when a new identity was loaded
   */
  public synchronized boolean reloadIfChanged() {
    Loaded before = current.get();
    try {
      byte[] cert = ServerIdentity.read(certificate);
      byte[] k = ServerIdentity.read(key);
      if (Arrays.equals(fingerprint(cert, k), before.fingerprint())) {
        lastFailure = "";
        return false;
      }
      Loaded next = loaded(cert, k);
      current.set(next);
      lastFailure = "";
      log.info("{}: new certificate {} loaded from {}; new connections present it", listener, next.description(),
          certificate);
      return true;
    } catch (TlsException e) {
      if (!e.getMessage().equals(lastFailure)) {
        lastFailure = e.getMessage();
        log.warn("{}: the certificate files changed but cannot be used: {}; new connections still get {}", listener,
            e.getMessage(), before.description());
      }
      return false;
    }
  }

  /**
   * Checks the files every {@code interval} until the system stops or the result is cancelled, on
   * Pekko's blocking dispatcher (file reads must not hold the default one).
   */
  public Cancellable watch(ActorSystem<?> system, Duration interval) {
    return system.scheduler().scheduleWithFixedDelay(interval, interval, this::reloadIfChanged,
        system.dispatchers().lookup(DispatcherSelector.blocking()));
  }

  private Loaded loaded(byte[] cert, byte[] k) {
    ServerIdentity identity = ServerIdentity.parse(certificate, cert, key, k);
    return new Loaded(identity.sslContext(), identity.describe(), fingerprint(cert, k));
  }

  private static byte[] fingerprint(byte[] cert, byte[] k) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(cert);
      sha.update(new byte[] {0});
      return sha.digest(k);
    } catch (NoSuchAlgorithmException e) {
      // every Java platform must provide SHA-256 (MessageDigest's documentation)
      throw new IllegalStateException(e);
    }
  }
}
