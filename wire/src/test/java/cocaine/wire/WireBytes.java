package cocaine.wire;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HexFormat;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/** Test helpers to write exact msgpack bytes as other peers send them. */
public final class WireBytes {
  private WireBytes() {}

  public static byte[] hex(String hex) {
    return HexFormat.of().parseHex(hex.replace(" ", ""));
  }

  public static String hex(byte[] bytes) {
    return HexFormat.ofDelimiter(" ").formatHex(bytes);
  }

  /** Packs with a modern msgpack encoder (str8 and bin allowed), as a peer on msgpack >= 1.0 may. */
  public static byte[] pack(Packing body) {
    MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
    try {
      body.write(p);
      return p.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /** Writes one msgpack object. */
  public interface Packing {
    void write(MessageBufferPacker p) throws IOException;
  }
}
