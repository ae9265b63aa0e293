package cocaine.proxy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;

/**
 * A request the proxy answers itself, with a status and a short text saying why (like the
 * original proxies: 404 no route, 400 bad request, 503 app unavailable, 504 timeout, ...).
 */
public final class ProxyError extends RuntimeException {
  public static final String GENERATED_BY = "X-Error-Generated-By";
  public static final String POWERED_BY = "X-Powered-By";
  public static final String REQUEST_ID = "X-Request-Id";
  public static final String APPLICATION = "X-Cocaine-Application";
  private static final HttpHeader POWERED_BY_COCAINE = RawHeader.create(POWERED_BY, "Cocaine");
  private static final int KNOWN_APPS_MAX = 1024;
  private static final Map<String, HttpHeader> KNOWN_APPS = new ConcurrentHashMap<>();

  private final int status;
  private final int retryAfterSeconds;
  private final boolean bodyUnread;

  public ProxyError(int status, String reason) {
    this(status, reason, 0, false);
  }

  /**
   * @param retryAfterSeconds sent as {@code Retry-After} when above 0
   * @param bodyUnread the request's body is left unread: the connection closes after the answer
   */
  public ProxyError(int status, String reason, int retryAfterSeconds, boolean bodyUnread) {
    super(reason, null, false, false);
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
    this.bodyUnread = bodyUnread;
  }

  /** The request's body was left unread: not worth reading, the connection closes after the answer. */
  public boolean bodyUnread() {
    return bodyUnread;
  }

  public int status() {
    return status;
  }

  /** The response for this error; requestId and app may be null when not known yet. */
  public HttpResponse toResponse(String requestId, String app) {
    HttpResponse r = response(status, getMessage(), requestId, app);
    return retryAfterSeconds > 0 ? r.addHeader(RawHeader.create("Retry-After", Integer.toString(retryAfterSeconds)))
        : r;
  }

  /** A text/plain error response carrying {@code X-Error-Generated-By: Cocaine}. */
  public static HttpResponse response(int status, String reason, String requestId, String app) {
    List<HttpHeader> headers = new ArrayList<>(common(requestId, app));
    headers.add(RawHeader.create(GENERATED_BY, "Cocaine"));
    return HttpResponse.create()
        .withStatus(StatusCodes.get(status))
        .addHeaders(headers)
        .withEntity(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, reason + "\n"));
  }

  /** Headers every proxy response carries. */
  static List<HttpHeader> common(String requestId, String app) {
    List<HttpHeader> headers = new ArrayList<>(4);
    headers.add(POWERED_BY_COCAINE);
    if (requestId != null) {
      headers.add(RawHeader.create(REQUEST_ID, requestId));
    }
    if (app != null) {
      headers.add(applicationHeader(app));
    }
    return headers;
  }

  /** The app's header, made once per app name (up to {@link #KNOWN_APPS_MAX}; past that, per request). */
  private static HttpHeader applicationHeader(String app) {
    HttpHeader known = KNOWN_APPS.get(app);
    if (known != null) {
      return known;
    }
    HttpHeader made = RawHeader.create(APPLICATION, app);
    if (KNOWN_APPS.size() < KNOWN_APPS_MAX) {
      KNOWN_APPS.put(app, made);
    }
    return made;
  }
}
