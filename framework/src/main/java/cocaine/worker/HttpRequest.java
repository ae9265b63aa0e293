package cocaine.worker;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Values;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.msgpack.value.ArrayValue;
import org.msgpack.value.Value;

/**
 * An HTTP request as the proxy sends it to an app: method, URI (after {@code /<app>/<event>}),
 * version, headers in their original order and case, and the body as a stream that reads the
 * first chunk's body and then any following chunks until close.
 */
public final class HttpRequest {
  private final String method;
  private final String uri;
  private final String version;
  private final List<Map.Entry<String, String>> headers;
  private final Request request;
  private final BodyStream body;
  private final boolean bodyFollows;

  private HttpRequest(String method, String uri, String version, List<Map.Entry<String, String>> headers,
                      byte[] firstBody, Request request) {
    this.method = method;
    this.uri = uri;
    this.version = version;
    this.headers = Collections.unmodifiableList(headers);
    this.request = request;
    this.bodyFollows = bodyFollows(firstBody, this.headers);
    this.body = new BodyStream(firstBody, request, bodyFollows);
  }

  /**
   * Whether the body comes as further chunks: only when the head carries none and the request
   * declares one (a Content-Length above 0, or chunked transfer). Otherwise the head is the whole
   * request, so a handler never waits for a {@code close} a proxy may hold back until it answers.
   */
  static boolean bodyFollows(byte[] firstBody, List<Map.Entry<String, String>> headers) {
    if (firstBody.length > 0) {
      return false;
    }
    for (Map.Entry<String, String> h : headers) {
      String name = h.getKey().toLowerCase(java.util.Locale.ROOT);
      String value = h.getValue().trim().toLowerCase(java.util.Locale.ROOT);
      if (name.equals("transfer-encoding") && value.contains("chunked")) {
        return true;
      }
      if (name.equals("content-length")) {
        try {
          return Long.parseLong(value) > 0;
        } catch (NumberFormatException e) {
          return false;
        }
      }
    }
    return false;
  }

  /**
   * Reads the head chunk: a byte string holding the msgpack array (as the proxies send it) or the
   * array itself. Throws {@code [7, 2]} naming what is wrong.
   */
  public static HttpRequest decode(Value chunk, Request request) {
    Value v = chunk;
    if (chunk.isRawValue()) {
      byte[] bytes = chunk.asRawValue().asByteArray();
      try {
        v = Values.unpack(bytes);
      } catch (RuntimeException e) {
        throw malformed("the first chunk is not msgpack (" + e.getMessage() + ")");
      }
    }
    if (!v.isArrayValue() || v.asArrayValue().size() < 4) {
      throw malformed("expected [method, uri, version, headers, body], got " + abbreviate(v));
    }
    ArrayValue parts = v.asArrayValue();
    for (int i = 0; i < 3; i++) {
      if (!parts.get(i).isRawValue()) {
        throw malformed("method, uri and version must be strings, got " + abbreviate(v));
      }
    }
    if (!parts.get(3).isArrayValue()) {
      throw malformed("headers must be a list of [name, value], got " + abbreviate(parts.get(3)));
    }
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    for (Value h : parts.get(3).asArrayValue()) {
      if (!h.isArrayValue() || h.asArrayValue().size() < 2 || !h.asArrayValue().get(0).isRawValue()
          || !h.asArrayValue().get(1).isRawValue()) {
        throw malformed("a header must be [name, value], got " + abbreviate(h));
      }
      headers.add(Map.entry(Values.asString(h.asArrayValue().get(0)), Values.asString(h.asArrayValue().get(1))));
    }
    byte[] body = new byte[0];
    if (parts.size() > 4 && !parts.get(4).isNilValue()) {
      if (!parts.get(4).isRawValue()) {
        throw malformed("the body must be a byte string, got " + parts.get(4).getValueType());
      }
      body = parts.get(4).asRawValue().asByteArray();
    }
    return new HttpRequest(Values.asString(parts.get(0)), Values.asString(parts.get(1)), Values.asString(parts.get(2)),
        headers, body, request);
  }

  private static CocaineException malformed(String problem) {
    return new CocaineException(ErrorCode.INVALID_ARGUMENT, "not an HTTP request chunk: " + problem);
  }

  private static String abbreviate(Value v) {
    String s = v.toString();
    return s.length() > 100 ? s.substring(0, 100) + "..." : s;
  }

  public String method() {
    return method;
  }

  /** Path and query as the proxy passed them, e.g. {@code /a/b?x=1}. */
  public String uri() {
    return uri;
  }

  public String path() {
    int q = uri.indexOf('?');
    return q < 0 ? uri : uri.substring(0, q);
  }

  /** The query string without {@code ?}, or empty. */
  public String query() {
    int q = uri.indexOf('?');
    return q < 0 ? "" : uri.substring(q + 1);
  }

  /** {@code "1.1"} or {@code "1.0"} (0.11 proxies sent {@code "HTTP/1.1"}). */
  public String version() {
    return version;
  }

  public List<Map.Entry<String, String>> headers() {
    return headers;
  }

  /** The first header of that name, ignoring case. */
  public Optional<String> header(String name) {
    for (Map.Entry<String, String> h : headers) {
      if (h.getKey().equalsIgnoreCase(name)) {
        return Optional.of(h.getValue());
      }
    }
    return Optional.empty();
  }

  /** The body: the head chunk's body, or, when it is empty and a body is declared, the chunks that follow until close. */
  public InputStream body() {
    return body;
  }

  /** The whole body, bounded by the worker's {@code maxBodyBytes} ({@code [12, 27]} past it). */
  public byte[] bodyBytes() throws IOException {
    byte[] whole = body.takeWhole();
    if (whole != null) {
      body.checkLimit(whole.length);
      return whole;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    int n;
    while ((n = body.read(buf)) >= 0) {
      out.write(buf, 0, n);
      body.checkLimit(out.size());
    }
    return out.toByteArray();
  }

  /** Whether the body comes in chunks after the head (see {@link #bodyFollows(byte[], List)}). */
  boolean bodyFollows() {
    return bodyFollows;
  }

  /** The underlying invocation (event, Cocaine headers such as trace ids). */
  public Request request() {
    return request;
  }

  /** Reads the head chunk's body, then the request's further chunks. */
  private static final class BodyStream extends InputStream {
    private final Request request;
    private byte[] current;
    private int pos;
    private boolean ended;

    BodyStream(byte[] first, Request request, boolean more) {
      this.current = first;
      this.request = request;
      this.ended = !more;
    }

    /** The whole body when it is the head's and nothing of it was read yet (no copy), else null. */
    byte[] takeWhole() {
      if (!ended || pos != 0) {
        return null;
      }
      byte[] whole = current;
      pos = whole.length;
      return whole;
    }

    void checkLimit(long size) {
      // Request.readAll's limit, applied to the body as a whole.
      request.checkBodyLimit(size);
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      while (pos >= current.length) {
        if (ended) {
          return -1;
        }
        byte[] next;
        try {
          next = request.read();
        } catch (CocaineException e) {
          throw new IOException("request body of event '" + request.event() + "' failed: " + e, e);
        }
        if (next == null) {
          ended = true;
          return -1;
        }
        current = next;
        pos = 0;
      }
      int n = Math.min(len, current.length - pos);
      System.arraycopy(current, pos, b, off, n);
      pos += n;
      return n;
    }

    @Override
    public int available() {
      return current.length - pos;
    }
  }
}
