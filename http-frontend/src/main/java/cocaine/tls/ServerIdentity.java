package cocaine.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * What an HTTPS listener presents: a certificate chain and its private key, read from PEM files
 * with the JDK alone. The chain is the server's certificate first, then intermediates; the key is
 * PKCS#8 ({@code PRIVATE KEY}: RSA, EC or EdDSA) or PKCS#1 ({@code RSA PRIVATE KEY}), not
 * encrypted. Every refusal says which file and what to do.
 *
 * @param chain the certificates, the server's first
 * @param key   the server certificate's private key
 */
public record ServerIdentity(List<X509Certificate> chain, PrivateKey key) {
  private static final char[] NO_PASSWORD = new char[0];

  public ServerIdentity {
    chain = List.copyOf(chain);
  }

  /**
   * Reads and checks a certificate file and a key file.
   *
   * @throws TlsException naming the file and the problem: unreadable, no certificate, an encrypted or
   *                      unsupported key, or a key that does not belong to the certificate
   */
  public static ServerIdentity read(Path certificate, Path key) {
    return parse(certificate, read(certificate), key, read(key));
  }

  /**
   * {@link #read} of contents already read (so that what is checked is what was read).
   *
   * @param certificatePem the certificate file's contents; {@code certificate} names it in messages
   * @param keyPem         the key file's contents; {@code key} names it in messages
   */
  static ServerIdentity parse(Path certificate, byte[] certificatePem, Path key, byte[] keyPem) {
    List<X509Certificate> chain = certificates(certificate, text(certificatePem));
    PrivateKey privateKey = privateKey(key, text(keyPem), chain.get(0).getPublicKey().getAlgorithm());
    if (!belongTogether(privateKey, chain.get(0).getPublicKey())) {
      throw new TlsException("the key in " + key + " does not belong to the certificate in " + certificate
          + " (subject '" + chain.get(0).getSubjectX500Principal().getName() + "')");
    }
    return new ServerIdentity(chain, privateKey);
  }

  /** A TLS context that presents this identity, with the JDK's protocols and ciphers (TLS 1.3 and 1.2). */
  public SSLContext sslContext() {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("server", key, NO_PASSWORD, chain.toArray(new X509Certificate[0]));
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, NO_PASSWORD);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, new SecureRandom());
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new TlsException("cannot make a TLS context of the certificate " + describe() + ": " + e.getMessage(), e);
    }
  }

  /** The server certificate's subject and expiry, for log lines. */
  public String describe() {
    X509Certificate leaf = chain.get(0);
    return "'" + leaf.getSubjectX500Principal().getName() + "' (valid until " + leaf.getNotAfter().toInstant() + ")";
  }

  private static List<X509Certificate> certificates(Path file, String pem) {
    List<X509Certificate> chain = new ArrayList<>();
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      for (Pem.Block block : Pem.blocks(pem)) {
        if (block.label().equals("CERTIFICATE")) {
          chain.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der())));
        }
      }
    } catch (CertificateException | IllegalArgumentException e) {
      throw new TlsException(file + " holds a certificate that cannot be read: " + e.getMessage(), e);
    }
    if (chain.isEmpty()) {
      throw new TlsException(file + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }
    return chain;
  }

  private static PrivateKey privateKey(Path file, String pem, String algorithm) {
    List<Pem.Block> blocks;
    try {
      blocks = Pem.blocks(pem);
    } catch (IllegalArgumentException e) {
      throw new TlsException(file + ": " + e.getMessage(), e);
    }
    Optional<Pem.Block> found = blocks.stream().filter(b -> b.label().endsWith("PRIVATE KEY")).findFirst();
    if (found.isEmpty()) {
      throw new TlsException(file + " holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
    }
    Pem.Block block = found.get();
    byte[] pkcs8 = switch (block.label()) {
      case "PRIVATE KEY" -> block.der();
      case "RSA PRIVATE KEY" -> {
        if (block.headers()) {
          throw encrypted(file);
        }
        yield Pem.pkcs1ToPkcs8(block.der());
      }
      case "ENCRYPTED PRIVATE KEY" -> throw encrypted(file);
      case "EC PRIVATE KEY" -> throw new TlsException(file + " holds an EC key in the SEC1 format (-----BEGIN EC PRIVATE "
          + "KEY-----), which is not read: convert it to PKCS#8 with `openssl pkcs8 -topk8 -nocrypt -in " + file
          + " -out key.pem`");
      default -> throw new TlsException(file + " holds a '" + block.label() + "', not a private key in PKCS#8 "
          + "(PRIVATE KEY) or PKCS#1 (RSA PRIVATE KEY)");
    };
    try {
      return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    } catch (GeneralSecurityException e) {
      throw new TlsException("the key in " + file + " cannot be read as a " + algorithm + " key (the certificate's "
          + "algorithm): " + e.getMessage(), e);
    }
  }

  private static TlsException encrypted(Path file) {
    return new TlsException(file + " holds an encrypted private key, which is not read (a passphrase would have to "
        + "be stored beside it anyway): decrypt it with `openssl pkey -in " + file + " -out key.pem` and keep that "
        + "file mode 0600");
  }

  /** Signs a random challenge with the key and checks it with the certificate's public key. */
  private static boolean belongTogether(PrivateKey key, PublicKey certified) {
    String algorithm = switch (certified.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "Ed25519", "Ed448", "EdDSA" -> "EdDSA";
      default -> null;
    };
    if (algorithm == null) {
      return true; // no check known: the handshake will fail if they differ
    }
    try {
      byte[] challenge = new byte[32];
      new SecureRandom().nextBytes(challenge);
      Signature sign = Signature.getInstance(algorithm);
      sign.initSign(key);
      sign.update(challenge);
      byte[] signature = sign.sign();
      Signature verify = Signature.getInstance(algorithm);
      verify.initVerify(certified);
      verify.update(challenge);
      return verify.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /** The bytes of a file, for {@link #parse}. */
  static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      String why = e instanceof java.nio.file.NoSuchFileException ? "no such file"
          : e instanceof java.nio.file.AccessDeniedException ? "permission denied" : e.getMessage();
      throw new TlsException("cannot read " + file + ": " + why, e);
    }
  }

  /** Any byte is a character: text around the blocks may be UTF-8, the blocks are ASCII. */
  private static String text(byte[] pem) {
    return new String(pem, StandardCharsets.ISO_8859_1);
  }
}
