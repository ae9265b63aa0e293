package cocaine.proxy;

import cocaine.wire.Header;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.headers.Cookie;
import org.apache.pekko.http.javadsl.model.headers.HttpCookiePair;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which headers cross the proxy, each way: the client's to the app (in the request chunk, and the
 * few the enqueue carries as v12 headers) and the app's response head to the client.
 */
final class ForwardedHeaders {
  /** The proxy's own logger: these lines belong with the rest of the exchange's. */
  private static final Logger log = LoggerFactory.getLogger(HttpProxy.class);
  private static final Set<String> NOT_FORWARDED = Set.of("raw-request-uri", "timeout-access");
  private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "transfer-encoding", "te",
      "trailer", "upgrade", "proxy-connection", "content-length", "content-type", "x-powered-by",
      "x-request-id", "x-cocaine-application", "x-cocaine-version-app");
  /** Methods whose empty body still gets "Content-Length: 0" (pekko does not say whether the client sent one). */
  private static final Set<String> BODY_METHODS = Set.of("POST", "PUT", "PATCH");
  private static final String PROTO_VERSION = "X-Cocaine-HTTP-Proto-Version";
  /** v12 header set on requests sampled for verbose tracing. */
  static final String TRACE_BIT = "trace_bit";
  /** On answers to a routing group: the member app that answered. */
  private static final String VERSION_APP_HEADER = "X-Cocaine-Version-App";

  private static final int KNOWN_TYPES_MAX = 256;
  private static final Map<String, ContentType> KNOWN_TYPES = new ConcurrentHashMap<>();

  private ForwardedHeaders() {}

  /**
   * The app's response head as the client gets it.
   *
   * @param length the body's length when the app declared one
   * @param emptyChunkEnds true when the app ends its body with an empty chunk (proto version 1.1)
   */
  record ClientHead(List<HttpHeader> headers, ContentType contentType, OptionalLong length,
      boolean emptyChunkEnds) {}

  /**
   * The HTTP headers the app sees: like the tornado proxy, the request's cookies first as
   * {@code [name, value]} pairs, then the client's headers in order, with the entity's type and length.
   */
  static List<Map.Entry<String, String>> toApp(Call call, int bodyLength, boolean streamed) {
    HttpRequest request = call.request();
    List<Map.Entry<String, String>> out = new ArrayList<>();
    for (HttpHeader h : request.getHeaders()) {
      if (h instanceof Cookie cookie) {
        for (HttpCookiePair pair : cookie.getCookies()) {
          out.add(Map.entry(pair.name(), pair.value()));
        }
      }
    }
    for (HttpHeader h : request.getHeaders()) {
      if (!NOT_FORWARDED.contains(h.lowercaseName())) {
        out.add(Map.entry(h.name(), h.value()));
      }
    }
    ContentType type = request.entity().getContentType();
    if (!type.equals(ContentTypes.NO_CONTENT_TYPE)) {
      out.add(Map.entry("Content-Type", type.toString()));
    }
    if (!streamed && (bodyLength > 0 || BODY_METHODS.contains(request.method().value()))) {
      out.add(Map.entry("Content-Length", Integer.toString(bodyLength)));
    } else if (streamed) {
      OptionalLong length = request.entity().getContentLengthOption();
      // The app reads further chunks only when the head declares a body (framework HttpRequest).
      out.add(length.isPresent() ? Map.entry("Content-Length", Long.toString(length.getAsLong()))
          : Map.entry("Transfer-Encoding", "chunked"));
    }
    if (!call.route().byHeaders()) {
      // like the tornado proxy: the app sees which app and event the path named
      out.add(Map.entry(Route.SERVICE_HEADER, call.app()));
      out.add(Map.entry(Route.EVENT_HEADER, call.route().event()));
    }
    return out;
  }

  /**
   * v12 headers of the enqueue: trace, {@code trace_bit} when the request was sampled, the client's
   * authorization, the headers of {@code cocaine.proxy.mapped-headers} the request has, and the
   * app's timeout only when it has one of its own (the proxy's default must not override a shorter
   * timeout of the app's profile).
   *
   * @param mapped HTTP header name -> v12 header name
   */
  static List<Header> enqueue(Call call, Map<String, String> mapped) {
    List<Header> out = new ArrayList<>(call.trace().headers());
    if (call.traceBit()) {
      out.add(Header.of(TRACE_BIT, "1"));
    }
    call.request().getHeader("Authorization").ifPresent(h -> out.add(Header.of(Header.AUTHORIZATION, h.value())));
    mapped.forEach((http, v12) -> call.request().getHeader(http).ifPresent(h -> out.add(Header.of(v12, h.value()))));
    if (call.timeoutConfigured()) {
      out.add(Header.ofLong(Header.REQUEST_TIMEOUT, call.timeout().toMillis()));
    }
    return out;
  }

  /**
   * The proxy's common headers, the routing group's member when it is not the app asked for, and
   * the app's headers but those the proxy or pekko-http sets itself.
   *
   * @param member the app that answered: the routing group's member, or the app itself
   */
  static ClientHead toClient(Call call, String member, ResponseHead head) {
    List<HttpHeader> headers = new ArrayList<>(ProxyError.common(call.trace().requestId(), call.app()));
    if (!member.equals(call.app())) {
      headers.add(RawHeader.create(VERSION_APP_HEADER, member));
    }
    ContentType contentType = ContentTypes.NO_CONTENT_TYPE;
    OptionalLong length = OptionalLong.empty();
    boolean emptyChunkEnds = false;
    for (Map.Entry<String, String> h : head.headers()) {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      String value = h.getValue();
      if (name.equals("content-type")) {
        contentType = contentType(call, value);
      } else if (name.equals("content-length")) {
        try {
          length = OptionalLong.of(Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
          log.debug("app '{}' sent a bad Content-Length '{}'; ignored", call.app(), value);
        }
      } else if (name.equals(PROTO_VERSION.toLowerCase(Locale.ROOT))) {
        emptyChunkEnds = value.trim().equals("1.1");
      } else if (!HOP_BY_HOP.contains(name)) {
        headers.add(header(h.getKey(), value));
      }
    }
    return new ClientHead(headers, contentType, length, emptyChunkEnds);
  }

  /**
   * The app's Content-Type; parsing it was 1% of the proxy's CPU, so the values apps send are kept
   * (up to {@link #KNOWN_TYPES_MAX}: an app that sends a new one each time costs a parse, no memory).
   */
  private static ContentType contentType(Call call, String value) {
    ContentType known = KNOWN_TYPES.get(value);
    if (known != null) {
      return known;
    }
    try {
      ContentType parsed = ContentTypes.parse(value);
      if (KNOWN_TYPES.size() < KNOWN_TYPES_MAX) {
        KNOWN_TYPES.put(value, parsed);
      }
      return parsed;
    } catch (RuntimeException e) {
      log.debug("app '{}' sent an unparsable Content-Type '{}'; sending application/octet-stream", call.app(),
          value);
      return ContentTypes.APPLICATION_OCTET_STREAM;
    }
  }

  private static HttpHeader header(String name, String value) {
    try {
      return HttpHeader.parse(name, value);
    } catch (RuntimeException e) {
      return RawHeader.create(name, value);
    }
  }
}
