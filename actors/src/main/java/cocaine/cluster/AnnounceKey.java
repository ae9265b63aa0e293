package cocaine.cluster;

import cocaine.config.SettingsException;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Values;
import cocaine.wire.WireException;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.msgpack.value.ArrayValue;
import org.msgpack.value.Value;

/**
 * The shared cluster key ({@code cocaine.locator.cluster.announce-key}) that signs multicast
 * announces, so that only nodes holding it join the cluster (docs/protocol.md 5.2, docs/security.md).
 * A signed datagram is the original's announce followed by a second msgpack value, the signature
 * {@code ["hmac-sha256", timestamp_ms, sequence, mac]} with {@code mac = HMAC-SHA256(key, announce
 * bytes || timestamp as 8 bytes big-endian || sequence as 8 bytes big-endian)}; the original
 * runtime's unpacker reads the first value and ignores the rest. The key never appears in a message,
 * a log line or {@link #toString()}.
 *
 * @param window how far a signed announce's timestamp may be from the receiver's clock
 */
public final class AnnounceKey {
  /** Shortest key accepted: a shorter one could be guessed offline from one captured announce. */
  static final int MIN_KEY_BYTES = 16;
  static final String SCHEME = "hmac-sha256";
  static final int MAC_BYTES = 32;
  private static final String SECTION = "cocaine.locator.cluster";
  private static final String ALGORITHM = "HmacSHA256";

  private final SecretKeySpec key;
  private final Duration window;

  private AnnounceKey(byte[] secret, Duration window) {
    this.key = new SecretKeySpec(secret, ALGORITHM);
    this.window = window;
  }

  /**
   * @param secret at least {@value #MIN_KEY_BYTES} bytes
   * @param window how far a signed announce's timestamp may be from the receiver's clock, > 0
   */
  public static AnnounceKey of(byte[] secret, Duration window) {
    if (secret.length < MIN_KEY_BYTES) {
      throw new IllegalArgumentException("an announce key must be at least " + MIN_KEY_BYTES + " bytes, got "
          + secret.length + " (make one with: openssl rand -hex 32)");
    }
    if (window.isZero() || window.isNegative()) {
      throw new IllegalArgumentException("announce window must be positive, got " + window);
    }
    return new AnnounceKey(secret.clone(), window);
  }

  /**
   * From {@code cocaine.locator.cluster}: {@code announce-key-file} (its first line) when set, else
   * {@code announce-key}; empty when neither is set (announces unsigned, every one accepted).
   *
   * @throws SettingsException when the key file cannot be read, holds no key, or the key is too short
   */
  public static Optional<AnnounceKey> from(Config config) {
    Config c = config.getConfig(SECTION);
    String file;
    String text;
    Duration window;
    try {
      file = c.getString("announce-key-file").trim();
      text = c.getString("announce-key").trim();
      window = c.getDuration("announce-window");
    } catch (ConfigException e) {
      throw new SettingsException(e.getMessage(), e);
    }
    String where = SECTION + ".announce-key";
    if (!file.isEmpty()) {
      where = SECTION + ".announce-key-file (" + file + ")";
      try {
        text = Files.readAllLines(Path.of(file), StandardCharsets.UTF_8).stream().findFirst().orElse("").trim();
      } catch (IOException e) {
        throw new SettingsException(SECTION + ".announce-key-file: cannot read " + file + ": " + e.getMessage(), e);
      }
      if (text.isEmpty()) {
        throw new SettingsException(where + " holds no key on its first line");
      }
    }
    if (text.isEmpty()) {
      return Optional.empty();
    }
    if (window.isZero() || window.isNegative()) {
      throw new SettingsException(SECTION + ".announce-window must be a duration > 0, e.g. 30s");
    }
    byte[] secret = text.getBytes(StandardCharsets.UTF_8);
    if (secret.length < MIN_KEY_BYTES) {
      throw new SettingsException(where + ": the key must be at least " + MIN_KEY_BYTES + " bytes, got "
          + secret.length + " (make one with: openssl rand -hex 32)");
    }
    return Optional.of(new AnnounceKey(secret, window));
  }

  /** How far a signed announce's timestamp may be from the receiver's clock. */
  public Duration window() {
    return window;
  }

  /** The announce followed by its signature: what a node with this key sends. */
  public byte[] sign(byte[] announce, long timestampMillis, long sequence) {
    byte[] trailer = FrameEncoder.encodeValue(Values.array(Values.str(SCHEME), Values.integer(timestampMillis),
        Values.integer(sequence), Values.bytes(mac(announce, announce.length, timestampMillis, sequence))));
    byte[] out = Arrays.copyOf(announce, announce.length + trailer.length);
    System.arraycopy(trailer, 0, out, announce.length, trailer.length);
    return out;
  }

  /** A signature read from the bytes after an announce; whether it is right is {@link #signed}'s to say. */
  public record Signature(long timestampMillis, long sequence, byte[] mac) {}

  /**
   * The signature that follows the announce in {@code datagram[payloadLength, length)}, if any.
   *
   * @throws SignatureException when there are bytes after the announce that are not a signature
   */
  static Optional<Signature> read(byte[] datagram, int payloadLength, int length) {
    if (payloadLength == length) {
      return Optional.empty();
    }
    Value v;
    try {
      v = Values.unpack(datagram, payloadLength, length - payloadLength);
    } catch (WireException e) {
      throw new SignatureException("the bytes after the announce are not a signature: " + e.getMessage());
    }
    String shape = "expected [\"" + SCHEME + "\", timestamp_ms, sequence, mac of " + MAC_BYTES + " bytes] after the announce";
    if (!v.isArrayValue() || v.asArrayValue().size() != 4) {
      throw new SignatureException(shape);
    }
    ArrayValue a = v.asArrayValue();
    if (!a.get(0).isRawValue() || !a.get(1).isIntegerValue() || !a.get(2).isIntegerValue() || !a.get(3).isRawValue()
        || !a.get(1).asIntegerValue().isInLongRange() || !a.get(2).asIntegerValue().isInLongRange()) {
      throw new SignatureException(shape);
    }
    String scheme = Values.asString(a.get(0));
    if (!SCHEME.equals(scheme)) {
      throw new SignatureException("unknown signature scheme '" + abbreviate(scheme) + "', expected '" + SCHEME + "'");
    }
    byte[] mac = a.get(3).asRawValue().asByteArray();
    if (mac.length != MAC_BYTES) {
      throw new SignatureException(shape + ", got a mac of " + mac.length + " bytes");
    }
    return Optional.of(new Signature(a.get(1).asIntegerValue().toLong(), a.get(2).asIntegerValue().toLong(), mac));
  }

  /** True when {@code signature} was made with this key over {@code datagram[0, payloadLength)}; constant time. */
  boolean signed(byte[] datagram, int payloadLength, Signature signature) {
    return MessageDigest.isEqual(mac(datagram, payloadLength, signature.timestampMillis(), signature.sequence()),
        signature.mac());
  }

  private byte[] mac(byte[] announce, int length, long timestampMillis, long sequence) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      mac.update(announce, 0, length);
      mac.update(ByteBuffer.allocate(2 * Long.BYTES).putLong(timestampMillis).putLong(sequence).array());
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      // every Java platform must provide HmacSHA256 (javax.crypto.Mac's documentation)
      throw new IllegalStateException("HmacSHA256 is not available: " + e.getMessage(), e);
    }
  }

  private static String abbreviate(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }

  /** Bytes after an announce that are not a well-formed signature. */
  static final class SignatureException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    SignatureException(String message) {
      super(message);
    }
  }

  @Override
  public String toString() {
    return "AnnounceKey[<set>, window=" + window + "]";
  }
}
