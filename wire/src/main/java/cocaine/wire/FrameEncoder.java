package cocaine.wire;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.msgpack.core.MessageBufferPacker;
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
  // Most frames are small: the default 8 KiB buffer would cost more to allocate than to fill.
  private static final MessagePack.PackerConfig CONFIG =
      new MessagePack.PackerConfig().withStr8FormatSupport(false).withBufferSize(512);

  private FrameEncoder() {}

  public static byte[] encode(Frame frame) {
    MessageBufferPacker packer = CONFIG.newBufferPacker();
    try {
      write(packer, frame);
      return packer.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Packs any value in the old dialect, e.g. a stored object or an HTTP request chunk. */
  public static byte[] encodeValue(Value value) {
    MessageBufferPacker packer = CONFIG.newBufferPacker();
    try {
      writeValue(packer, value);
      return packer.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
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
