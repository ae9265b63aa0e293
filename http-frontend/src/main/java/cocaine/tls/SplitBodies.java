package cocaine.tls;

import java.util.List;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.japi.pf.PFBuilder;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * Requests whose small body came in a later read than their head, made whole on the connection's
 * own stream. pekko-http gives a request a strict entity only when its body was in the read that
 * ended its head; a client that writes head and body apart (many do) gets a streamed one, and
 * reading that whole in the handler costs a stream and an actor a request. Here, inside the
 * connection's stream (sub-fused, no actor), a body of at most one read whose bytes all come in
 * its first chunk becomes strict; any other body goes on streamed, its first chunk in front, to
 * the handler's own limits and timeouts as before. A request that expects {@code 100-continue}
 * is left alone: reading its body first would answer that before the handler could refuse it.
 */
final class SplitBodies {
  private SplitBodies() {}

  /** The request as the handler gets it: itself, or the same request with its body whole. */
  static Source<HttpRequest, NotUsed> whole(HttpRequest request, long maxBytes) {
    if (!(request.entity() instanceof HttpEntity.Default body) || body.getContentLength() > maxBytes
        || request.getHeader("Expect").isPresent()) {
      return Source.single(request);
    }
    ContentType type = body.getContentType();
    long length = body.getContentLength();
    return body.getDataBytes().prefixAndTail(1)
        // a body that fails before its first bytes (a peer gone mid-request) fails the handler's read as before
        .recover(new PFBuilder<Throwable, Pair<List<ByteString>, Source<ByteString, NotUsed>>>()
            .matchAny(e -> Pair.create(List.of(), Source.failed(e)))
            .build())
        .flatMapConcat(firstAndRest -> {
          List<ByteString> first = firstAndRest.first();
          Source<ByteString, NotUsed> rest = firstAndRest.second();
          if (first.size() == 1 && first.get(0).size() == length) {
            // the last byte came with the first: what is left of the stream only ends
            return Source.single(request.withEntity(HttpEntities.create(type, first.get(0))))
                .concat(rest.filter(b -> false).map(b -> request));
          }
          return Source.single(request.withEntity(HttpEntities.create(type, length, Source.from(first).concat(rest))));
        })
        .mapMaterializedValue(m -> NotUsed.getInstance());
  }
}
