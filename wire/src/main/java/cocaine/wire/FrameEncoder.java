package cocaine.wire;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePacker;
import org.msgpack.value.ExtensionValue;
import org.msgpack.value.IntegerValue;
import org.msgpack.value.Value;

/**
 * Frames to bytes, in the old msgpack dialect every original peer reads (docs/protocol.md 1.6): always 4
 * elements, strings and binary data as raw (fixstr, str16, str32; never str8 or bin), headers as
 * uncompressed literals {@code [false, name, value]}.
 */
public final class FrameEncoder {
  private static final MessagePack.PackerConfig CONFIG =
      new MessagePack.PackerConfig().withStr8FormatSupport(false).withBufferSize(512);
  /** Each thread packs into its own {@link Scratch}, so encoding allocates only the bytes it returns. */
  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private FrameEncoder() {}

  public static byte[] encode(Frame frame) {
    return pack(packer -> write(packer, frame));
  }

  /** Packs any value in the old dialect, e.g. a stored object or an HTTP request chunk. */
  public static byte[] encodeValue(Value value) {
    return pack(packer -> writeValue(packer, value));
  }

  /** What a caller packs itself (strings as old-style raw: no str8), for {@link #pack}. */
  public interface Packing {
    void into(MessagePacker packer) throws IOException;
  }

  /**
   * The bytes {@code packing} writes, packed in this thread's reused buffer (old-style raw strings,
   * as {@link #encodeValue}): for a caller that writes straight to the packer instead of building
   * a {@link Value} first.
   */
  public static byte[] pack(Packing packing) {
    Scratch scratch = SCRATCH.get();
    boolean reusable = false;
    try {
      packing.into(scratch.packer);
      scratch.packer.flush();
      byte[] bytes = Arrays.copyOf(scratch.bytes, scratch.size);
      reusable = scratch.bytes.length <= Scratch.KEPT_BYTES;
      return bytes;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (reusable) {
        scratch.size = 0;
      } else { // a large frame's buffer is not kept; a failed packing may have left bytes in the packer
        SCRATCH.remove();
      }
    }
  }

  /**
   * Called inside a {@link Packing} before it writes {@code bytes} more in pieces (a large payload
   * copied out of read-only buffers): this thread's buffer grows once to hold them. Grown piece by
   * piece it would grow by an eighth each time, copying a 64 MiB body some 60 times over, with the
   * old and the new buffer alive at each step.
   */
  public static void reserve(long bytes) {
    SCRATCH.get().reserve(bytes);
  }

  /** One thread's packer and the bytes packed so far; kept while its buffer stays small. */
  private static final class Scratch extends OutputStream {
    static final int KEPT_BYTES = 64 * 1024;
    /** Room left after a large write for what follows it (a frame's headers). */
    static final int HEADROOM = 4096;
    final MessagePacker packer = CONFIG.newPacker(this);
    byte[] bytes = new byte[1024];
    int size;

    @Override
    public void write(int b) {
      grow(1);
      bytes[size++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      grow(len);
      System.arraycopy(b, off, bytes, size, len);
      size += len;
    }

    /** Room for {@code more} bytes after what is packed (and what the packer still buffers). */
    void reserve(long more) {
      long wanted = (long) size + more + HEADROOM;
      if (wanted > bytes.length) {
        bytes = Arrays.copyOf(bytes, (int) Math.min(wanted, Integer.MAX_VALUE - 8));
      }
    }

    /**
     * Doubles while small, by an eighth past {@link #KEPT_BYTES}, and a large payload (written at
     * once) gets room for the frame's headers after it: doubling for those few bytes took 64 + 128
     * MiB at once for a 64 MiB body and ran a 512 MiB runtime out of heap.
     */
    private void grow(int more) {
      if (size + more > bytes.length) {
        int step = bytes.length <= KEPT_BYTES ? bytes.length : bytes.length >> 3;
        long wanted = Math.max((long) size + more + HEADROOM, (long) bytes.length + step);
        bytes = Arrays.copyOf(bytes, (int) Math.min(wanted, Integer.MAX_VALUE - 8));
      }
    }
  }

  public static void write(MessagePacker packer, Frame frame) throws IOException {
    packer.packArrayHeader(4);
    packer.packLong(frame.channel());
    packer.packInt(frame.type());
    List<Value> args = frame.args();
    packer.packArrayHeader(args.size());
    for (Value arg : args) {
      writeValue(packer, arg);
    }
    List<Header> headers = frame.headers();
    packer.packArrayHeader(headers.size());
    for (Header h : headers) {
      packer.packArrayHeader(3);
      packer.packBoolean(false);
      writeRaw(packer, h.name().getBytes(StandardCharsets.UTF_8));
      writeRaw(packer, h.value());
    }
  }

  public static void writeValue(MessagePacker packer, Value v) throws IOException {
    switch (v.getValueType()) {
      case NIL -> packer.packNil();
      case BOOLEAN -> packer.packBoolean(v.asBooleanValue().getBoolean());
      case INTEGER -> {
        IntegerValue i = v.asIntegerValue();
        if (i.isInLongRange()) {
          packer.packLong(i.toLong());
        } else {
          packer.packBigInteger(i.toBigInteger());
        }
      }
      case FLOAT -> packer.packDouble(v.asFloatValue().toDouble());
      // Same bytes as writeRaw (packRawStringHeader + payload) without copying the payload first.
      case STRING -> v.writeTo(packer);
      case BINARY -> writeRaw(packer, v.asRawValue().asByteArray());
      case ARRAY -> {
        packer.packArrayHeader(v.asArrayValue().size());
        for (Value item : v.asArrayValue()) {
          writeValue(packer, item);
        }
      }
      case MAP -> {
        Map<Value, Value> map = v.asMapValue().map();
        packer.packMapHeader(map.size());
        for (Map.Entry<Value, Value> e : map.entrySet()) {
          writeValue(packer, e.getKey());
          writeValue(packer, e.getValue());
        }
      }
      case EXTENSION -> {
        ExtensionValue ext = v.asExtensionValue();
        packer.packExtensionTypeHeader(ext.getType(), ext.getData().length);
        packer.writePayload(ext.getData());
      }
      default -> throw new IllegalArgumentException("unsupported value type " + v.getValueType());
    }
  }

  private static void writeRaw(MessagePacker packer, byte[] bytes) throws IOException {
    packer.packRawStringHeader(bytes.length);
    packer.writePayload(bytes);
  }
}
