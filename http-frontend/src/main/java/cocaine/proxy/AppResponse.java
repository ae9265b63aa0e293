package cocaine.proxy;

import cocaine.proxy.pool.Pool;
import cocaine.wire.CocaineException;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.ResponseEntity;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.japi.pf.PFBuilder;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP response for an app's HTTP answer over {@code enqueue}: its response head becomes the
 * status and headers, and the chunks after it the body, streamed as they come until {@code close}
 * (or the empty chunk that ends a proto 1.1 body). An error after the head cuts the response.
 */
final class AppResponse {
  /** The proxy's own logger: these lines belong with the rest of the exchange's. */
  private static final Logger log = LoggerFactory.getLogger(HttpProxy.class);

  private final Materializer mat;
  private final AccessLog accessLog;
  private final ResponseBody wholeBody;

  AppResponse(Materializer mat, AccessLog accessLog, ResponseBody wholeBody) {
    this.mat = mat;
    this.accessLog = accessLog;
    this.wholeBody = wholeBody;
  }

  /**
   * The response for an app's reply that is not an error: a response head and the chunks after it.
   *
   * @param head the app's first message, none when the channel ended without one
   * @param tail the app's messages after the first; the response consumes it
   * @throws ProxyError when the app sent no response head, or a malformed one
   */
  HttpResponse of(Call call, Pool.Granted granted, List<Message> head, Source<Message, NotUsed> tail) {
    ResponseHead parsed;
    try {
      parsed = head(call, granted, head);
    } catch (ProxyError e) {
      if (e.status() == StatusFor.MALFORMED_RESPONSE_HEAD.status()) {
        tail.runWith(Sink.cancelled(), mat);
      } else {
        tail.runWith(Sink.ignore(), mat);
      }
      throw e;
    }
    return response(call, granted.app(), parsed, tail);
  }

  /**
   * The response for an app's whole answer, already in: its head, its body chunks and its end. The
   * body is sent as one entity, its chunks not copied ({@link ResponseBody}: a big one within the
   * body budget); an answer that fails after its head is cut as {@link #of} cuts it.
   *
   * @param messages the app's messages, the terminal one included
   * @throws ProxyError when the app sent no response head, or a malformed one, or a big body that
   *     the body budget has no room for
   */
  HttpResponse whole(Call call, Pool.Granted granted, List<Message> messages) {
    List<Message> rest = messages.subList(1, messages.size());
    for (Message m : rest) {
      if (m.type() == Graph.ERROR) {
        return of(call, granted, messages.subList(0, 1), Source.from(List.copyOf(rest)));
      }
    }
    ResponseHead parsed = head(call, granted, messages.subList(0, 1));
    ForwardedHeaders.ClientHead translated = ForwardedHeaders.toClient(call, granted.app(), parsed);
    int status = parsed.status();
    if (noBody(call, status)) {
      return response(call, granted.app(), parsed, Source.empty());
    }
    ByteString body = ByteString.emptyByteString();
    for (Message m : rest) {
      if (m.type() != Graph.WRITE) {
        break;
      }
      byte[] chunk = bytes(m);
      if (translated.emptyChunkEnds() && chunk.length == 0) {
        break;
      }
      body = body.concat(ByteString.fromArrayUnsafe(chunk)); // no copy: the chunks are linked
    }
    ResponseEntity entity = wholeBody.entity(call, translated.contentType(), body);
    call.answered().set(true);
    accessLog.answered(call, status);
    return HttpResponse.create().withStatus(code(status)).addHeaders(translated.headers()).withEntity(entity);
  }

  /** The app's response head out of its first message, or the error the client gets instead. */
  private ResponseHead head(Call call, Pool.Granted granted, List<Message> head) {
    if (head.isEmpty()) {
      throw new ProxyError(StatusFor.NO_RESPONSE.status(), "app '" + call.app()
          + "' ended the channel without a response");
    }
    Message first = head.get(0);
    if (first.type() == Graph.CLOSE) {
      throw new ProxyError(StatusFor.NO_RESPONSE_HEAD.status(), "app '" + call.app()
          + "' closed the channel without sending a response head");
    }
    try {
      return ResponseHead.parse(bytes(first));
    } catch (IllegalArgumentException e) {
      log.warn("request {}: app '{}' at {} sent a malformed response head: {}", call.trace().requestId(), call.app(),
          granted.endpoint(), e.getMessage());
      throw new ProxyError(StatusFor.MALFORMED_RESPONSE_HEAD.status(), "app '" + call.app()
          + "' sent a malformed response head: " + e.getMessage());
    }
  }

  private static boolean noBody(Call call, int status) {
    return call.request().method().equals(HttpMethods.HEAD) || status == 204 || status == 304 || status < 200;
  }

  private static StatusCode code(int status) {
    return StatusCodes.lookup(status).orElseGet(() -> StatusCodes.custom(status, "Status " + status, ""));
  }

  /** @param member the app that answered: the routing group's member, or the app itself */
  private HttpResponse response(Call call, String member, ResponseHead head, Source<Message, NotUsed> tail) {
    ForwardedHeaders.ClientHead translated = ForwardedHeaders.toClient(call, member, head);
    ContentType contentType = translated.contentType();
    OptionalLong length = translated.length();
    int status = head.status();
    HttpResponse response = HttpResponse.create().withStatus(code(status)).addHeaders(translated.headers());
    if (noBody(call, status)) {
      drain(call, status, tail);
      if (call.request().method().equals(HttpMethods.HEAD) && length.isPresent() && length.getAsLong() > 0) {
        return response.withEntity(HttpEntities.create(contentType, length.getAsLong(), Source.empty()));
      }
      return response.withEntity(call.request().method().equals(HttpMethods.HEAD) && status >= 200 && status != 204
          && status != 304 ? HttpEntities.createChunked(contentType, Source.empty()) : HttpEntities.EMPTY);
    }
    Source<ByteString, NotUsed> streamed = body(call, status, tail, translated.emptyChunkEnds());
    if (length.isPresent()) {
      return response.withEntity(length.getAsLong() == 0
          ? HttpEntities.create(contentType, new byte[0])
          : HttpEntities.create(contentType, length.getAsLong(), streamed));
    }
    return response.withEntity(HttpEntities.createChunked(contentType, streamed));
  }

  /** A {@code write}'s payload: its arguments' bytes, one after another (normally just one). */
  private static byte[] bytes(Message m) {
    if (m.args().size() == 1 && m.args().get(0).isRawValue()) {
      return m.args().get(0).asRawValue().asByteArray();
    }
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (var arg : m.args()) {
      if (!arg.isRawValue()) {
        throw new IllegalArgumentException("a chunk must be a byte string, got " + arg.getValueType());
      }
      out.writeBytes(arg.asRawValue().asByteArray());
    }
    return out.toByteArray();
  }

  /** The app's body chunks as the HTTP body; an error after the head cuts the response. */
  private Source<ByteString, NotUsed> body(Call call, int status, Source<Message, NotUsed> tail,
      boolean emptyChunkEnds) {
    return tail
        .takeWhile(m -> {
          if (emptyChunkEnds && m.type() == Graph.WRITE && bytes(m).length == 0) {
            call.answered().set(true);
            return false;
          }
          if (m.type() == Graph.CLOSE) {
            // answered in full: the cancellation that follows must close the app's channel, not fail it
            call.answered().set(true);
            return false;
          }
          return true;
        })
        .map(m -> {
          if (m.type() == Graph.ERROR) {
            CocaineException e = m.toException();
            throw new ResponseCut("app-error", "app '" + call.app() + "' failed after the response head: " + e.code()
                + " " + e.getMessage());
          }
          return ByteString.fromArrayUnsafe(bytes(m));
        })
        .filter(b -> !b.isEmpty())
        .mapError(new PFBuilder<Throwable, Throwable>()
            .match(TimeoutException.class, e -> new ResponseCut("timeout", "app '" + call.app() + "' sent nothing for "
                + call.timeoutText()))
            .match(CocaineException.class, e -> new ResponseCut("app-disconnected", "lost app '" + call.app()
                + "' after the response head: " + e.code() + " " + e.getMessage()))
            .build())
        .watchTermination((notUsed, done) -> {
          done.whenCompleteAsync((d, failure) -> {
            if (failure == null) {
              accessLog.answered(call, status);
            } else {
              aborted(call, status, Exchange.unwrap(failure));
            }
          }, Exchange.SAME_THREAD);
          return notUsed;
        });
  }

  private void aborted(Call call, int status, Throwable cause) {
    String reason;
    if (cause instanceof ResponseCut cut) {
      reason = cut.reason;
      log.warn("request {}: {}; response cut", call.trace().requestId(), cut.getMessage());
    } else {
      reason = "client-gone";
      log.info("request {}: client went away during the response of app '{}' ({})", call.trace().requestId(),
          call.app(), cause.toString());
    }
    accessLog.cut(call, status, reason);
  }

  /** Ends a response whose head is out; pekko-http then aborts the connection, the only way left to say so. */
  private static final class ResponseCut extends RuntimeException {
    final String reason;

    ResponseCut(String reason, String message) {
      super(message, null, false, false);
      this.reason = reason;
    }
  }

  /** For responses that carry no body (HEAD, 204, 304): the app's chunks are read and dropped. */
  private void drain(Call call, int status, Source<Message, NotUsed> tail) {
    tail.runWith(Sink.ignore(), mat);
    accessLog.answered(call, status);
  }
}
