package cocaine.proxy;

import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.ParsingErrorHandler;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.scaladsl.model.ErrorInfo;
import org.apache.pekko.http.scaladsl.model.StatusCode;
import org.apache.pekko.http.scaladsl.settings.ServerSettings;

/**
 * Answers requests whose head pekko-http refused to parse (431 header too large, 414 URI too
 * long, 400 malformed) like every other proxy error: a short reason and
 * {@code X-Error-Generated-By: Cocaine}. Named by class in the server settings, hence public with
 * a no-argument constructor.
 */
public final class HeadErrors extends ParsingErrorHandler {
  @Override
  public HttpResponse handle(StatusCode status, ErrorInfo info, LoggingAdapter log, ServerSettings settings) {
    int code = status.intValue();
    String reason = status.reason();
    if (code == 400 && info.summary().contains("configured limit") && info.summary().contains("headers")) {
      // pekko says 400 for too many headers; the header block is too large either way
      code = 431;
      reason = "Request Header Fields Too Large";
    }
    log.info("refused an HTTP request head: {} {}", code, info.formatPretty());
    return ProxyError.response(code, reason + ": " + info.summary(), null, null);
  }
}
