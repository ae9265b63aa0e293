package cocaine.proxy;

import cocaine.wire.Values;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.msgpack.value.Value;

/**
 * The first chunk of an app's HTTP answer: msgpack {@code [code, [[name, value], ...]]}, as the
 * frameworks' {@code response.write_head(code, headers)} writes it (ECOSYSTEM.md 2.5).
 */
public record ResponseHead(int status, List<Map.Entry<String, String>> headers) {
  public ResponseHead {
    headers = List.copyOf(headers);
  }

  /**
   * @throws IllegalArgumentException saying what is wrong, for the 502 the client gets
   */
  public static ResponseHead parse(byte[] chunk) {
    Value v;
    try {
      v = Values.unpack(chunk);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("the first chunk is not msgpack (" + e.getMessage() + ")");
    }
    if (!v.isArrayValue() || v.asArrayValue().size() != 2) {
      throw new IllegalArgumentException("the first chunk must be [code, [[name, value], ...]], got " + brief(v));
    }
    Value code = v.asArrayValue().get(0);
    Value list = v.asArrayValue().get(1);
    if (!code.isIntegerValue() || !code.asIntegerValue().isInIntRange()
        || code.asIntegerValue().toInt() < 100 || code.asIntegerValue().toInt() > 599) {
      throw new IllegalArgumentException("the status must be an integer from 100 to 599, got " + brief(code));
    }
    if (!list.isArrayValue()) {
      throw new IllegalArgumentException("the headers must be a list of [name, value], got " + brief(list));
    }
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    for (Value h : list.asArrayValue()) {
      if (!h.isArrayValue() || h.asArrayValue().size() != 2 || !h.asArrayValue().get(0).isRawValue()
          || !(h.asArrayValue().get(1).isRawValue() || h.asArrayValue().get(1).isNumberValue())) {
        throw new IllegalArgumentException("a header must be [name, value], got " + brief(h));
      }
      Value value = h.asArrayValue().get(1);
      headers.add(Map.entry(Values.asString(h.asArrayValue().get(0)),
          value.isRawValue() ? Values.asString(value) : value.toString()));
    }
    return new ResponseHead(code.asIntegerValue().toInt(), headers);
  }

  private static String brief(Value v) {
    String s = v.toString();
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }
}
