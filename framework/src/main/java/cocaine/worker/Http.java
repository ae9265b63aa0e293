package cocaine.worker;

import cocaine.wire.CocaineException;
import java.lang.System.Logger.Level;
import java.util.List;
import org.msgpack.value.Value;

/**
 * The HTTP-over-enqueue convention of the HTTP proxies (docs/protocol.md 3.7, ECOSYSTEM.md 2.3-2.5):
 * the first request chunk is {@code [method, uri, version, [[name, value]...], body]}, the reply is
 * {@code [code, [[name, value]...]]}, then body chunks, then close.
 *
 * <p>The same handler serves apps with a buffered body (the whole body in the first chunk, as the
 * original proxies send it) and apps whose manifest says {@code "streaming": true} (an empty body
 * in the first chunk, then the body as raw chunks): {@link HttpRequest#body()} reads both.
 */
public final class Http {
  private static final System.Logger LOG = System.getLogger(Http.class.getName());

  private Http() {}

  /**
   * Wraps an HTTP handler as an event handler. A malformed first chunk gets a 400 reply; a response
   * the handler did not start gets {@code 200} with no headers; an open one is closed on return.
   */
  public static Handler handler(HttpHandler handler) {
    return (request, response) -> serve(handler, request, request.readValue(), response);
  }

  /**
   * As {@link #handler}, for an HTTP handler that never waits (an echo, a lookup in memory): a
   * request that comes whole in its head chunk (no body, or the body in the head, as a non-streaming
   * app gets it) is served on the worker's reader thread, as a {@link ChunkHandler} is, with no
   * thread hand-off; its reply leaves with the other replies of the same read in one write. A
   * request whose body follows in further chunks is served on a handler thread, as by
   * {@link #handler}. While the handler runs, the worker reads nothing: it must not block.
   */
  public static Handler inline(HttpHandler handler) {
    return new InlineHttp(handler);
  }

  /** Serves one request whose head chunk is {@code first} (null when the request closed before it). */
  static void serve(HttpHandler handler, Request request, Value first, Response response) throws Exception {
    HttpResponse httpResponse = new HttpResponse(response);
    if (first == null) {
      badRequest(request, httpResponse, "the request was closed before its HTTP head chunk");
      return;
    }
    HttpRequest httpRequest;
    try {
      httpRequest = HttpRequest.decode(first, request);
    } catch (CocaineException e) {
      badRequest(request, httpResponse, e.getMessage());
      return;
    }
    handler.handle(httpRequest, httpResponse);
    httpResponse.finish();
  }

  /** Serves a decoded request: the handler, then close unless the handler closed. */
  static void respond(HttpHandler handler, HttpRequest request, Response response) throws Exception {
    HttpResponse httpResponse = new HttpResponse(response);
    handler.handle(request, httpResponse);
    httpResponse.finish();
  }

  private static void badRequest(Request request, HttpResponse response, String problem) {
    LOG.log(Level.WARNING, "event ''{0}'' channel {1}: {2}", request.event(), request.channel(), problem);
    response.writeHead(400, List.of(java.util.Map.entry("Content-Type", "text/plain")));
    response.write("malformed request: " + problem + "\n");
    response.close();
  }
}
