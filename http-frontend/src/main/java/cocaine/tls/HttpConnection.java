package cocaine.tls;

import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.ResponseEntity;
import org.apache.pekko.http.javadsl.model.headers.Connection;
import org.apache.pekko.japi.function.Function;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * One connection of an {@link HttpPort} as its stop sees it: the requests it has in flight (from the
 * handler's call to the last byte of a streamed answer) and the closing of its reading side. On stop
 * a connection with nothing in flight stops reading at once, so pekko-http closes it; one with
 * requests in flight answers them with {@code Connection: close} and then stops reading. Completing
 * the reading side while an answer is pending would let pekko-http drop it, hence the count.
 */
final class HttpConnection {
  private static final Connection CLOSE = Connection.create("close");
  private final Function<HttpRequest, CompletionStage<HttpResponse>> handler;
  private final BooleanSupplier stopping;
  private final SharedKillSwitch reading;
  private final AtomicInteger inFlight = new AtomicInteger();

  HttpConnection(String name, Function<HttpRequest, CompletionStage<HttpResponse>> handler, BooleanSupplier stopping) {
    this.handler = handler;
    this.stopping = stopping;
    this.reading = KillSwitches.shared(name);
  }

  /** The bytes read, until the stop ends them. */
  Flow<ByteString, ByteString, NotUsed> reading() {
    return Flow.<ByteString>create().via(reading.flow());
  }

  /** The stop has begun: a connection with nothing in flight stops reading now, the others after their answers. */
  void stop() {
    if (inFlight.get() == 0) {
      reading.shutdown();
    }
  }

  CompletionStage<HttpResponse> handle(HttpRequest request) throws Exception {
    inFlight.incrementAndGet();
    CompletionStage<HttpResponse> answer;
    try {
      answer = handler.apply(request);
    } catch (Exception | Error e) {
      done();
      throw e;
    }
    return answer.handle((response, failure) -> {
      if (failure != null) {
        done();
        throw failure instanceof CompletionException c ? c : new CompletionException(failure);
      }
      HttpResponse r = stopping.getAsBoolean() ? response.addHeader(CLOSE) : response;
      ResponseEntity entity = r.entity();
      if (entity.isStrict() || entity.isKnownEmpty()) {
        done();
        return r;
      }
      return r.withEntity(watched(entity));
    });
  }

  /** The same entity, framing kept, calling {@link #done} when its bytes end (sent, failed or cancelled). */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private ResponseEntity watched(ResponseEntity entity) {
    if (entity instanceof org.apache.pekko.http.scaladsl.model.HttpEntity.Default d) {
      return HttpEntities.create(entity.getContentType(), d.contentLength(), d.getDataBytes().watchTermination(
          (m, end) -> {
            end.whenComplete((x, e) -> done());
            return m;
          }));
    }
    if (entity instanceof org.apache.pekko.http.scaladsl.model.HttpEntity.Chunked c) {
      // the chunks themselves, so extensions and trailers stay as the handler made them
      Source chunks = c.getChunks().watchTermination((m, end) -> {
        end.whenComplete((x, e) -> done());
        return m;
      });
      return new org.apache.pekko.http.scaladsl.model.HttpEntity.Chunked(c.contentType(), chunks.asScala());
    }
    return HttpEntities.createCloseDelimited(entity.getContentType(), entity.getDataBytes().watchTermination(
        (m, end) -> {
          end.whenComplete((x, e) -> done());
          return m;
        }));
  }

  private void done() {
    if (inFlight.decrementAndGet() == 0 && stopping.getAsBoolean()) {
      reading.shutdown();
    }
  }
}
