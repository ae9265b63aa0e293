package cocaine.cluster;

import cocaine.locator.Endpoint;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Values;
import cocaine.wire.WireException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.msgpack.value.Value;

/**
 * One multicast announce (docs/protocol.md 5.2): a node's uuid and the endpoints of its locator, sent
 * as msgpack {@code [uuid, [[host, port], ...]]} in one UDP datagram.
 */
public record Announce(String uuid, List<Endpoint> endpoints) {
  /** Longest uuid accepted; the original sends a 36-character UUID. */
  static final int MAX_UUID = 255;
  /** Endpoints accepted in one announce; a node has one per address of its hostname. */
  static final int MAX_ENDPOINTS = 64;

  public Announce {
    Objects.requireNonNull(uuid, "uuid");
    endpoints = List.copyOf(endpoints);
  }

  /** The datagram, in the old msgpack dialect (raw strings) that 0.12 runtimes read. */
  public byte[] encode() {
    List<Value> eps = new ArrayList<>(endpoints.size());
    for (Endpoint e : endpoints) {
      eps.add(Values.array(Values.str(e.host()), Values.integer(e.port())));
    }
    return FrameEncoder.encodeValue(Values.array(Values.str(uuid), Values.array(eps)));
  }

  /**
   * Bytes of the announce a datagram begins with. What follows (a signature, {@link AnnounceKey}) is
   * not looked at here: the original runtime's unpacker ignores it.
   *
   * @throws MalformedAnnounceException when the datagram does not begin with one whole msgpack value
   */
  public static int payloadLength(byte[] datagram, int length) {
    try {
      return Values.leadingObjectLength(datagram, 0, length);
    } catch (WireException e) {
      throw new MalformedAnnounceException("not msgpack: " + e.getMessage());
    }
  }

  /**
   * Reads an announce that fills {@code datagram[0, length)}.
   *
   * @throws MalformedAnnounceException saying what is wrong, for one log line; the datagram is then ignored
   */
  public static Announce decode(byte[] datagram, int length) {
    Value v;
    try {
      v = Values.unpack(datagram, 0, length);
    } catch (WireException e) {
      throw new MalformedAnnounceException("not msgpack: " + e.getMessage());
    }
    String shape = "expected [uuid: str, [[host: str, port: int], ...]], got " + abbreviate(v);
    if (!v.isArrayValue() || v.asArrayValue().size() != 2) {
      throw new MalformedAnnounceException(shape);
    }
    Value id = v.asArrayValue().get(0);
    Value eps = v.asArrayValue().get(1);
    if (!id.isRawValue() || !eps.isArrayValue()) {
      throw new MalformedAnnounceException(shape);
    }
    String uuid = new String(id.asRawValue().asByteArray(), StandardCharsets.UTF_8);
    if (uuid.isEmpty() || uuid.length() > MAX_UUID) {
      throw new MalformedAnnounceException("uuid must be 1.." + MAX_UUID + " characters, got " + uuid.length());
    }
    if (eps.asArrayValue().size() == 0 || eps.asArrayValue().size() > MAX_ENDPOINTS) {
      throw new MalformedAnnounceException("node '" + uuid + "' announced " + eps.asArrayValue().size()
          + " endpoints, expected 1.." + MAX_ENDPOINTS);
    }
    List<Endpoint> endpoints = new ArrayList<>();
    for (Value e : eps.asArrayValue()) {
      if (!e.isArrayValue() || e.asArrayValue().size() != 2 || !e.asArrayValue().get(0).isRawValue()
          || !e.asArrayValue().get(1).isIntegerValue()) {
        throw new MalformedAnnounceException(shape);
      }
      String host = Values.asString(e.asArrayValue().get(0));
      long port = e.asArrayValue().get(1).asIntegerValue().isInLongRange() ? e.asArrayValue().get(1).asIntegerValue().toLong() : -1;
      if (host.isEmpty() || port < 1 || port > 65535) {
        throw new MalformedAnnounceException("node '" + uuid + "' announced endpoint [" + host + ", "
            + e.asArrayValue().get(1) + "]: expected a host and a port 1..65535");
      }
      endpoints.add(new Endpoint(host, (int) port));
    }
    return new Announce(uuid, endpoints);
  }

  private static String abbreviate(Value v) {
    String text = String.valueOf(v);
    return text.length() > 120 ? text.substring(0, 120) + "..." : text;
  }

  /** A datagram that is not an announce. */
  public static final class MalformedAnnounceException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    MalformedAnnounceException(String message) {
      super(message);
    }
  }
}
