package cocaine.worker;

import cocaine.wire.CocaineException;
import org.msgpack.value.Value;

/**
 * The event handler {@link Http#inline} makes: serves a request that came whole in its head chunk
 * on the reader thread, and any other on a handler thread as {@link Http#handler} does.
 */
final class InlineHttp implements Handler {
  /**
   * A head chunk above this many bytes goes to a handler thread: the reader thread serves only
   * small requests, so that one big body does not hold up the other channels while it is copied.
   */
  static final int MAX_INLINE_BYTES = 64 * 1024;

  private final HttpHandler handler;

  InlineHttp(HttpHandler handler) {
    this.handler = handler;
  }

  /** On a handler thread: as {@link Http#handler}. */
  @Override
  public void handle(Request request, Response response) throws Exception {
    Http.serve(handler, request, request.readValue(), response);
  }

  /**
   * Reader thread: the first chunk of one of this handler's requests has come. Serves the request
   * now when the chunk holds it whole; otherwise queues the chunk and starts the request on a
   * handler thread, where the body that follows is read as it comes.
   */
  void head(Value chunk, Request request, Response response, HandlerThreads threads) {
    if (!chunk.isRawValue() || chunk.asRawValue().asByteBuffer().remaining() > MAX_INLINE_BYTES) {
      queueAndStart(chunk, request, response, threads);
      return;
    }
    HttpRequest decoded;
    try {
      decoded = HttpRequest.decode(chunk, request);
    } catch (CocaineException e) {
      // the 400 reply does not wait for anything: served here as Http.serve would
      HandlerThreads.serve((req, resp) -> Http.serve(handler, req, chunk, resp), request, response);
      return;
    }
    if (decoded.bodyFollows()) {
      threads.start((req, resp) -> Http.respond(handler, decoded, resp), request, response);
      return;
    }
    HandlerThreads.serve((req, resp) -> Http.respond(handler, decoded, resp), request, response);
  }

  /** Reader thread: the request ended (close or error) before its head chunk. */
  void noHead(Request request, Response response, HandlerThreads threads) {
    threads.start(this, request, response);
  }

  private void queueAndStart(Value chunk, Request request, Response response, HandlerThreads threads) {
    request.offer(chunk); // the first chunk of a fresh request: its buffer has room
    threads.start(this, request, response);
  }
}
