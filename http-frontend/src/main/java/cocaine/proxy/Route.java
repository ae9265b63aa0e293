package cocaine.proxy;

import java.util.Optional;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;

/**
 * Which app and event an HTTP request is for, and the URI the app gets (ECOSYSTEM.md 2.2): the
 * headers {@code X-Cocaine-Service} and {@code X-Cocaine-Event} with the URI unchanged, or else
 * the path {@code /<app>/<event><rest>} with {@code <rest>} (leading "/", query kept).
 *
 * @param byHeaders true when the two headers named app and event
 */
public record Route(String app, String event, String uri, boolean byHeaders) {
  public static final String SERVICE_HEADER = "X-Cocaine-Service";
  public static final String EVENT_HEADER = "X-Cocaine-Event";
  /** Names the locator can publish ({@code [A-Za-z0-9_.@:+-]{1,200}}); anything else would only make a pool. */
  private static final int APP_NAME_MAX = 200;

  /**
   * @param rawUri the request target exactly as the client sent it
   * @throws ProxyError 404 when nothing names an app, 400 when only one header is there or the
   *     name cannot be an app's
   */
  public static Route of(HttpRequest request, String rawUri) {
    Optional<String> service = request.getHeader(SERVICE_HEADER).map(HttpHeader::value);
    Optional<String> event = request.getHeader(EVENT_HEADER).map(HttpHeader::value);
    if (service.isPresent() != event.isPresent()) {
      throw new ProxyError(StatusFor.BAD_REQUEST.status(), "both " + SERVICE_HEADER + " and " + EVENT_HEADER
          + " are needed to name the app and event; the request has only "
          + (service.isPresent() ? SERVICE_HEADER : EVENT_HEADER));
    }
    if (service.isPresent()) {
      String app = service.get().trim();
      String ev = event.get().trim();
      if (app.isEmpty() || ev.isEmpty()) {
        throw new ProxyError(StatusFor.NO_ROUTE.status(),
            "empty " + (app.isEmpty() ? SERVICE_HEADER : EVENT_HEADER) + " header");
      }
      return new Route(checked(app), ev, rawUri, true);
    }
    String target = originForm(rawUri);
    int q = target.indexOf('?');
    String path = q < 0 ? target : target.substring(0, q);
    String query = q < 0 ? "" : target.substring(q);
    int appEnd = path.indexOf('/', 1);
    if (!path.startsWith("/") || appEnd < 0) {
      throw new ProxyError(StatusFor.NO_ROUTE.status(), "Invalid url: expected /<app>/<event>[/<path>] or the headers "
          + SERVICE_HEADER + " and " + EVENT_HEADER);
    }
    int eventEnd = path.indexOf('/', appEnd + 1);
    String app = path.substring(1, appEnd);
    String ev = eventEnd < 0 ? path.substring(appEnd + 1) : path.substring(appEnd + 1, eventEnd);
    if (app.isEmpty() || ev.isEmpty()) {
      throw new ProxyError(StatusFor.NO_ROUTE.status(), "Invalid url: expected /<app>/<event>[/<path>], got an empty "
          + (app.isEmpty() ? "app" : "event"));
    }
    String rest = eventEnd < 0 ? "/" : path.substring(eventEnd);
    return new Route(checked(app), ev, rest + query, false);
  }

  private static String checked(String app) {
    if (!appName(app)) {
      throw new ProxyError(StatusFor.BAD_REQUEST.status(),
          "'" + (app.length() > 64 ? app.substring(0, 64) + "..." : app)
              + "' cannot be an app name (letters, digits and _ . @ : + - only)");
    }
    return app;
  }

  /** Checked by hand: a regex's matcher per request was a share of the proxy's allocation. */
  private static boolean appName(String app) {
    if (app.isEmpty() || app.length() > APP_NAME_MAX) {
      return false;
    }
    for (int i = 0; i < app.length(); i++) {
      char c = app.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.'
          || c == '@' || c == ':' || c == '+' || c == '-';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** "/a/b?q" of an absolute-form target "http://host/a/b?q"; other targets as they are. */
  private static String originForm(String target) {
    int scheme = target.indexOf("://");
    if (scheme > 0 && !target.startsWith("/")) {
      int path = target.indexOf('/', scheme + 3);
      return path < 0 ? "/" : target.substring(path);
    }
    return target;
  }
}
