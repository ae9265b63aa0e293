package cocaine.worker;

/** Serves one HTTP request that came through the HTTP proxy; see {@link Http#handler}. */
@FunctionalInterface
public interface HttpHandler {
  void handle(HttpRequest request, HttpResponse response) throws Exception;
}
