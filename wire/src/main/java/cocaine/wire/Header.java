package cocaine.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * One v12 header: a name and opaque value bytes. Trace ids are 8-byte little-endian integers
 * (docs/protocol.md 1.5).
 */
public record Header(String name, byte[] value) {
  public static final String TRACE_ID = "trace_id";
  public static final String SPAN_ID = "span_id";
  public static final String PARENT_ID = "parent_id";
  public static final String REQUEST_TIMEOUT = "request_timeout";
  public static final String AUTHORIZATION = "authorization";

  public static Header of(String name, String value) {
    return new Header(name, value.getBytes(StandardCharsets.UTF_8));
  }

  /** A header whose value is a uint64 in 8 little-endian bytes (trace ids, request_timeout). */
  public static Header ofLong(String name, long value) {
    return new Header(name, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array());
  }

  /** The value read as an 8-byte little-endian integer; empty when it is not 8 bytes long. */
  public Optional<Long> asLong() {
    if (value.length != 8) {
      return Optional.empty();
    }
    return Optional.of(ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).getLong());
  }

  public String asText() {
    return new String(value, StandardCharsets.UTF_8);
  }

  /** The first header of that name in a list. */
  public static Optional<Header> find(List<Header> headers, String name) {
    for (Header h : headers) {
      if (h.name.equals(name)) {
        return Optional.of(h);
      }
    }
    return Optional.empty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Header h && h.name.equals(name) && Arrays.equals(h.value, value);
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Arrays.hashCode(value);
  }

  @Override
  public String toString() {
    return name + "=" + (value.length == 8 ? asLong().orElseThrow().toString() : asText());
  }
}
