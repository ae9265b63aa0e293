package cocaine.proxy;

import cocaine.wire.Header;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;

/**
 * The trace of one HTTP request, sent to the app as the v12 headers {@code trace_id},
 * {@code span_id}, {@code parent_id}. The trace id comes from {@code X-Request-Id} (or the header
 * named by {@code cocaine.proxy.request-id-header}; 1 to 16 hex
 * digits), else from a W3C {@code traceparent} (its low 64 bits), else it is made; the request id
 * the client sees is the trace id as 16 lowercase hex digits.
 */
public record Trace(long traceId, long spanId, long parentId) {
  public static final String TRACEPARENT = "traceparent";
  private static final HexFormat HEX = HexFormat.of();
  private static final Pattern HEX_ID = Pattern.compile("[0-9a-fA-F]{1,16}");
  private static final Pattern W3C = Pattern.compile("([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})");

  /**
   * @param requestIdHeader the header that carries the trace id ({@code cocaine.proxy.request-id-header})
   * @throws ProxyError 400 when that header is not 1 to 16 hex digits
   */
  public static Trace of(HttpRequest request, String requestIdHeader) {
    Optional<Trace> w3c = request.getHeader(TRACEPARENT).map(HttpHeader::value).flatMap(Trace::traceparent);
    Optional<String> given = request.getHeader(requestIdHeader).map(h -> h.value().trim());
    if (given.isPresent()) {
      if (!HEX_ID.matcher(given.get()).matches()) {
        throw new ProxyError(StatusFor.BAD_REQUEST.status(),
            requestIdHeader + " must be 1 to 16 hex digits (a 64-bit trace id), got '"
            + (given.get().length() > 40 ? given.get().substring(0, 40) + "..." : given.get()) + "'");
      }
      long trace = Long.parseUnsignedLong(given.get(), 16);
      if (trace != 0) {
        // a trace the caller names: the proxy's span is its root unless traceparent says otherwise
        return w3c.map(t -> new Trace(trace, newId(), t.parentId())).orElse(new Trace(trace, trace, 0));
      }
    }
    return w3c.orElseGet(() -> {
      long trace = newId();
      return new Trace(trace, trace, 0);
    });
  }

  /** The request id the client sees: the trace id, 16 lowercase hex digits. */
  public String requestId() {
    return HEX.toHexDigits(traceId); // String.format was 0.8% of the proxy's CPU
  }

  public List<Header> headers() {
    return List.of(Header.ofLong(Header.TRACE_ID, traceId), Header.ofLong(Header.SPAN_ID, spanId),
        Header.ofLong(Header.PARENT_ID, parentId));
  }

  /** An invalid traceparent is ignored, as the W3C spec asks. */
  private static Optional<Trace> traceparent(String value) {
    var m = W3C.matcher(value.trim());
    if (!m.matches() || m.group(1).equals("ff")) {
      return Optional.empty();
    }
    long trace = Long.parseUnsignedLong(m.group(2).substring(16), 16);
    if (trace == 0) {
      trace = Long.parseUnsignedLong(m.group(2).substring(0, 16), 16);
    }
    long parent = Long.parseUnsignedLong(m.group(3), 16);
    if (trace == 0 || parent == 0) {
      return Optional.empty();
    }
    return Optional.of(new Trace(trace, newId(), parent));
  }

  /** Like the C++ runtime: 1 to 2^63 - 2, never 0 ("no trace"). */
  static long newId() {
    return ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE - 1);
  }
}
