package cocaine.proxy;

import cocaine.config.FrameAndBody;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
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
 * app's timeout, and a body that fails says why with its own status. A body read whole is held
 * within the process's {@link BodyBudget}, taken before it is read.
 */
final class RequestBody {
  /** Seconds a client refused for want of body budget is asked to wait. */
  static final int RETRY_AFTER_SECONDS = 1;

  private final long maxBytes;
  /** The largest body an app that takes it whole can get: what one frame carries beside the head. */
  private final long wholeMaxBytes;
  private final Materializer mat;
  /** Where the read body goes on with the request: Pekko's dispatcher. */
  private final Executor dispatcher;
  private final BodyBudget budget;

  RequestBody(ProxyConfig config, Materializer mat, Executor dispatcher, BodyBudget budget) {
    this.maxBytes = config.proxy().maxBodyBytes();
    this.wholeMaxBytes = FrameAndBody.wholeBodyBytes(config.connection().maxFrameBytes(), maxBytes);
    this.mat = mat;
    this.dispatcher = dispatcher;
    this.budget = budget;
  }

  /** Refuses at once a request whose Content-Length is over the limit, before anything is read. */
  void checkDeclared(HttpRequest request) {
    OptionalLong declared = request.entity().getContentLengthOption();
    if (declared.isPresent() && declared.getAsLong() > maxBytes) {
      throw new ProxyError(StatusFor.BODY_TOO_LARGE.status(), "request body of " + declared.getAsLong()
          + " bytes is larger than the limit of " + maxBytes + " bytes", 0, true);
    }
  }

  /**
   * The body of a request to an app that reads it whole from the first chunk, bounded by time and
   * size, and held in the budget (given back when the request ends: {@link AccessLog}). Fails with
   * 503 at once, the body unread, when the budget has no room for it.
   */
  CompletionStage<ByteString> whole(Call call) {
    HttpEntity entity = call.request().entity();
    if (entity.isKnownEmpty()) {
      return CompletableFuture.completedFuture(ByteString.emptyByteString());
    }
    if (entity instanceof HttpEntity.Strict strict) {
      take(call, strict.getData().size());
      return CompletableFuture.completedFuture(strict.getData());
    }
    OptionalLong declared = entity.getContentLengthOption();
    if (declared.isPresent() && declared.getAsLong() > wholeMaxBytes) {
      throw tooLargeForAFrame(declared.getAsLong());
    }
    long reserved = declared.isPresent() ? declared.getAsLong() : wholeMaxBytes;
    take(call, reserved);
    return entity
        .toStrict(call.remaining().toMillis(), wholeMaxBytes, mat)
        .handleAsync((read, failure) -> {
          if (failure != null) {
            throw error(call, Exchange.unwrap(failure));
          }
          return read.getData(); // a body of unknown length keeps all it took until its request ends
        }, dispatcher);
  }

  private void take(Call call, long bytes) {
    if (!budget.tryTake(bytes)) {
      throw new ProxyError(StatusFor.NO_ROOM_FOR_BODY.status(), "the proxy holds as many request bodies as it may ("
          + budget.held() + " of " + budget.budget() + " bytes, cocaine.proxy.body-budget); try again shortly",
          RETRY_AFTER_SECONDS, true);
    }
    call.bodyHeld().set(bytes); // one body per request, taken once: a retry reuses it
  }

  private ProxyError tooLargeForAFrame(long bytes) {
    return new ProxyError(StatusFor.BODY_TOO_LARGE.status(), "request body of " + bytes + " bytes is larger than "
        + wholeMaxBytes + " bytes, the most an app that takes its body whole gets in one frame "
        + "(cocaine.network.max-frame-bytes less 1 MiB)", 0, true);
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
          + " bytes", 0, true);
    }
    if (cause instanceof TimeoutException) {
      return new ProxyError(StatusFor.BODY_TOO_SLOW.status(), "request body was not received within "
          + call.timeoutText());
    }
    return new ProxyError(StatusFor.BODY_UNREADABLE.status(), "request body could not be read: " + cause.getMessage());
  }
}
