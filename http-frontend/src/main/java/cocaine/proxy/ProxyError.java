package cocaine.proxy;

import java.util.ArrayList;
import java.util.List;
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

  private final int status;

  public ProxyError(int status, String reason) {
    super(reason, null, false, false);
    this.status = status;
  }

  public int status() {
    return status;
  }

  /** The response for this error; requestId and app may be null when not known yet. */
  public HttpResponse toResponse(String requestId, String app) {
    return response(status, getMessage(), requestId, app);
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
    List<HttpHeader> headers = new ArrayList<>(3);
    headers.add(RawHeader.create(POWERED_BY, "Cocaine"));
    if (requestId != null) {
      headers.add(RawHeader.create(REQUEST_ID, requestId));
    }
    if (app != null) {
      headers.add(RawHeader.create(APPLICATION, app));
    }
    return headers;
  }
}
