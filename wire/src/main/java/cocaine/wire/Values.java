package cocaine.wire;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.Value;
import org.msgpack.value.ValueFactory;

/**
 * The msgpack vocabulary of the wire: strings and binary data are one "raw" type (docs/protocol.md 1.6),
 * integers of any width, and conversions to and from plain Java objects for stored maps.
 */
public final class Values {
  private Values() {}

  public static Value str(String s) {
    return ValueFactory.newString(s.getBytes(StandardCharsets.UTF_8));
  }

  /** Binary payload; encoded as a raw string like every other byte string. */
  public static Value bytes(byte[] b) {
    return ValueFactory.newString(b);
  }

  public static Value integer(long v) {
    return ValueFactory.newInteger(v);
  }

  public static Value bool(boolean v) {
    return ValueFactory.newBoolean(v);
  }

  public static Value nil() {
    return ValueFactory.newNil();
  }

  public static Value array(Value... items) {
    return ValueFactory.newArray(items);
  }

  public static Value array(List<? extends Value> items) {
    return ValueFactory.newArray(items);
  }

  public static Value strings(Collection<String> items) {
    List<Value> out = new ArrayList<>(items.size());
    for (String s : items) {
      out.add(str(s));
    }
    return ValueFactory.newArray(out);
  }

  /** Text of a raw value (str or bin). */
  /**
   * The one msgpack object that fills {@code bytes[offset, offset + length)}, from a peer: its
   * declared sizes are checked against the bytes before anything is allocated, so a few bytes that
   * claim a 2^31-element array are refused instead of exhausting the heap.
   *
   * @throws WireException when the bytes are not exactly one well-formed msgpack object
   */
  public static Value unpack(byte[] bytes, int offset, int length) {
    if (length <= 0) {
      throw new WireException(ErrorCode.PARSE, "no msgpack object: 0 bytes");
    }
    int size = MsgpackScanner.objectLength(bytes, offset, offset + length, length);
    if (size == MsgpackScanner.INCOMPLETE) {
      throw new WireException(ErrorCode.PARSE, "truncated msgpack: " + length + " bytes hold part of an object");
    }
    if (size != length) {
      throw new WireException(ErrorCode.PARSE, "trailing bytes: " + (length - size) + " after the msgpack object");
    }
    try (MessageUnpacker unpacker = MessagePack.newDefaultUnpacker(bytes, offset, length)) {
      return unpacker.unpackValue();
    } catch (IOException | RuntimeException e) {
      throw new WireException(ErrorCode.PARSE, "undecodable msgpack: " + e.getMessage());
    }
  }

  /**
   * Length in bytes of the msgpack object that {@code bytes[offset, offset + length)} begins with,
   * from a peer, checked as {@link #unpack(byte[], int, int)} checks it; the bytes after it are not
   * looked at (the original runtime's unpacker ignores them too, which lets an announce carry a
   * signature after its payload).
   *
   * @throws WireException when the bytes do not begin with one whole, well-formed msgpack object
   */
  public static int leadingObjectLength(byte[] bytes, int offset, int length) {
    if (length <= 0) {
      throw new WireException(ErrorCode.PARSE, "no msgpack object: 0 bytes");
    }
    int size = MsgpackScanner.objectLength(bytes, offset, offset + length, length);
    if (size == MsgpackScanner.INCOMPLETE) {
      throw new WireException(ErrorCode.PARSE, "truncated msgpack: " + length + " bytes hold part of an object");
    }
    return size;
  }

  /** {@link #unpack(byte[], int, int)} of the whole array. */
  public static Value unpack(byte[] bytes) {
    return unpack(bytes, 0, bytes.length);
  }

  public static String asString(Value v) {
    if (!v.isRawValue()) {
      throw new CocaineException(ErrorCode.INVALID_ARGUMENT, "expected a string, got " + v.getValueType());
    }
    return new String(v.asRawValue().asByteArray(), StandardCharsets.UTF_8);
  }

  public static byte[] asBytes(Value v) {
    if (!v.isRawValue()) {
      throw new CocaineException(ErrorCode.INVALID_ARGUMENT, "expected a byte string, got " + v.getValueType());
    }
    return v.asRawValue().asByteArray();
  }

  public static long asLong(Value v) {
    if (!v.isIntegerValue() || !v.asIntegerValue().isInLongRange()) {
      throw new CocaineException(ErrorCode.INVALID_ARGUMENT, "expected an integer, got " + v);
    }
    return v.asIntegerValue().toLong();
  }

  public static List<String> asStrings(Value v) {
    if (!v.isArrayValue()) {
      throw new CocaineException(ErrorCode.INVALID_ARGUMENT, "expected a list of strings, got " + v.getValueType());
    }
    List<String> out = new ArrayList<>();
    for (Value item : v.asArrayValue()) {
      out.add(asString(item));
    }
    return out;
  }

  /**
   * Plain Java form of a value: Map (insertion ordered), List, String, Long, Double, Boolean or
   * null. Raw values become Strings; payloads that must stay bytes use {@link #asBytes}.
   */
  public static Object toJava(Value v) {
    switch (v.getValueType()) {
      case NIL:
        return null;
      case BOOLEAN:
        return v.asBooleanValue().getBoolean();
      case INTEGER:
        return v.asIntegerValue().isInLongRange() ? v.asIntegerValue().toLong() : v.asIntegerValue().toBigInteger();
      case FLOAT:
        return v.asFloatValue().toDouble();
      case STRING:
      case BINARY:
        return asString(v);
      case ARRAY: {
        List<Object> out = new ArrayList<>();
        for (Value item : v.asArrayValue()) {
          out.add(toJava(item));
        }
        return out;
      }
      case MAP: {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<Value, Value> e : v.asMapValue().entrySet()) {
          Value key = e.getKey();
          out.put(key.isRawValue() ? asString(key) : key.toString(), toJava(e.getValue()));
        }
        return out;
      }
      default:
        throw new CocaineException(ErrorCode.INVALID_ARGUMENT, "unsupported msgpack type " + v.getValueType());
    }
  }

  /** The msgpack form of a plain Java object (the inverse of {@link #toJava}). */
  public static Value fromJava(Object o) {
    if (o == null) {
      return nil();
    } else if (o instanceof Value v) {
      return v;
    } else if (o instanceof String s) {
      return str(s);
    } else if (o instanceof byte[] b) {
      return bytes(b);
    } else if (o instanceof Boolean b) {
      return bool(b);
    } else if (o instanceof Double || o instanceof Float) {
      return ValueFactory.newFloat(((Number) o).doubleValue());
    } else if (o instanceof java.math.BigInteger b) {
      return ValueFactory.newInteger(b);
    } else if (o instanceof Number n) {
      return integer(n.longValue());
    } else if (o instanceof Map<?, ?> m) {
      ValueFactory.MapBuilder b = ValueFactory.newMapBuilder();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        b.put(fromJava(e.getKey()), fromJava(e.getValue()));
      }
      return b.build();
    } else if (o instanceof Collection<?> c) {
      List<Value> out = new ArrayList<>(c.size());
      for (Object item : c) {
        out.add(fromJava(item));
      }
      return ValueFactory.newArray(out);
    }
    throw new IllegalArgumentException("cannot encode " + o.getClass().getName() + " as msgpack");
  }
}
