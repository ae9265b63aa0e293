package cocaine.proxy;

import java.util.OptionalLong;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * The client's request body as the app gets it: read whole, for an app that takes it inside the
 * first chunk, or streamed as it arrives; either way bounded by the proxy's body limit and the
 * app's timeout, and a body that fails says why with its own status.
 */
final class RequestBody {
  private final long maxBytes;
  private final Materializer mat;
  /** Where the read body goes on with the request: Pekko's dispatcher. */
  private final Executor dispatcher;

  RequestBody(ProxyConfig config, Materializer mat, Executor dispatcher) {
    this.maxBytes = config.proxy().maxBodyBytes();
    this.mat = mat;
    this.dispatcher = dispatcher;
  }

  /** Refuses at once a request whose Content-Length is over the limit, before anything is read. */
  void checkDeclared(HttpRequest request) {
    OptionalLong declared = request.entity().getContentLengthOption();
    if (declared.isPresent() && declared.getAsLong() > maxBytes) {
      throw new ProxyError(StatusFor.BODY_TOO_LARGE.status(), "request body of " + declared.getAsLong()
          + " bytes is larger than the limit of " + maxBytes + " bytes");
    }
  }

  /** The body of a request to an app that reads it whole from the first chunk, bounded by time and size. */
  CompletionStage<byte[]> whole(Call call) {
    return call.request().entity()
        .toStrict(call.remaining().toMillis(), maxBytes, mat)
        .handleAsync((strict, failure) -> {
          if (failure != null) {
            throw error(call, Exchange.unwrap(failure));
          }
          return strict.getData().toArray();
        }, dispatcher);
  }

  /** A streaming app's body as it arrives; never held whole. */
  Source<ByteString, NotUsed> streamed(Call call) {
    HttpEntity entity = call.request().entity().withSizeLimit(maxBytes);
    return entity.getDataBytes().idleTimeout(call.timeout()).mapMaterializedValue(m -> NotUsed.getInstance());
  }

  /** The answer to a body that could not be read. */
  ProxyError error(Call call, Throwable cause) {
    if (cause instanceof EntityStreamSizeException) {
      return new ProxyError(StatusFor.BODY_TOO_LARGE.status(), "request body is larger than the limit of " + maxBytes
          + " bytes");
    }
    if (cause instanceof TimeoutException) {
      return new ProxyError(StatusFor.BODY_TOO_SLOW.status(), "request body was not received within "
          + call.timeoutText());
    }
    return new ProxyError(StatusFor.BODY_UNREADABLE.status(), "request body could not be read: " + cause.getMessage());
  }
}
