package cocaine.cluster.desired;

import cocaine.wire.Values;
import java.util.Map;

/** Reads the msgpack map a record of the cluster's state (desired, version, report) is stored as. */
final class StoredMap {
  private StoredMap() {}

  /**
   * @param what the record, for the message: {@code desired state of 'echo'}
   * @throws IllegalArgumentException "{@code <what> is not msgpack: ...}" or "{@code <what> is not a map}"
   */
  static Map<?, ?> read(String what, byte[] blob) {
    Object value;
    try {
      value = Values.toJava(Values.unpack(blob));
    } catch (RuntimeException e) { // WireException included
      throw new IllegalArgumentException(what + " is not msgpack: " + e.getMessage(), e);
    }
    if (!(value instanceof Map<?, ?> map)) {
      throw new IllegalArgumentException(what + " is not a map");
    }
    return map;
  }
}
