package cocaine.tls;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The blocks of a PEM file ({@code -----BEGIN LABEL----- base64 -----END LABEL-----}, RFC 7468),
 * with text around them ignored as openssl's own output has it ("Bag Attributes", comments).
 */
final class Pem {
  /** One block: its label (e.g. {@code CERTIFICATE}), whether it has RFC 1421 headers, and its bytes. */
  record Block(String label, boolean headers, byte[] der) {}

  private static final Pattern BLOCK = Pattern.compile(
      "-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);

  private Pem() {}

  /**
   * Every block of {@code text}, in order.
   *
   * @throws IllegalArgumentException when a block's body is not base64
   */
  static List<Block> blocks(String text) {
    List<Block> out = new ArrayList<>();
    Matcher m = BLOCK.matcher(text.replace("\r\n", "\n"));
    while (m.find()) {
      String body = m.group(2);
      // RFC 1421 headers ("Proc-Type: 4,ENCRYPTED", "DEK-Info: ...") end with an empty line
      boolean headers = body.contains(":");
      if (headers) {
        int end = body.indexOf("\n\n");
        body = end < 0 ? "" : body.substring(end);
      }
      try {
        out.add(new Block(m.group(1), headers, Base64.getMimeDecoder().decode(body.getBytes(StandardCharsets.US_ASCII))));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("the " + m.group(1) + " block is not base64: " + e.getMessage(), e);
      }
    }
    return out;
  }

  /**
   * A PKCS#1 RSA private key ({@code RSA PRIVATE KEY}) as the PKCS#8 structure the JDK reads:
   * {@code SEQUENCE { INTEGER 0, SEQUENCE { OID rsaEncryption, NULL }, OCTET STRING pkcs1 }}.
   */
  static byte[] pkcs1ToPkcs8(byte[] pkcs1) {
    byte[] version = {0x02, 0x01, 0x00};
    byte[] rsaEncryption = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01,
        0x01, 0x05, 0x00};
    byte[] key = tagged(0x04, pkcs1);
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(version);
    body.writeBytes(rsaEncryption);
    body.writeBytes(key);
    return tagged(0x30, body.toByteArray());
  }

  /** A DER element: tag, definite length, content. */
  private static byte[] tagged(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
    out.write(tag);
    int n = content.length;
    if (n < 0x80) {
      out.write(n);
    } else {
      int bytes = n > 0xffffff ? 4 : n > 0xffff ? 3 : n > 0xff ? 2 : 1;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(n >>> (8 * i));
      }
    }
    out.writeBytes(content);
    return out.toByteArray();
  }
}
