package cocaine.urlfetch;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A response body read whole, up to a limit: a body that announces or grows past it fails with
 * [12, 27] and its download is cancelled, so a huge answer cannot fill the node's heap.
 */
final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
  private final int limit;
  private final String url;
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final CompletableFuture<byte[]> result = new CompletableFuture<>();
  private Flow.Subscription subscription;

  private BoundedBody(int limit, String url) {
    this.limit = limit;
    this.url = url;
  }

  /** A handler that refuses at once a body whose Content-Length is over {@code limit}. */
  static HttpResponse.BodyHandler<byte[]> handler(int limit, String url) {
    return info -> {
      long announced = info.headers().firstValueAsLong("content-length").orElse(-1);
      BoundedBody body = new BoundedBody(limit, url);
      if (announced > limit) {
        body.result.completeExceptionally(body.tooBig(announced));
      }
      return body;
    };
  }

  @Override
  public CompletionStage<byte[]> getBody() {
    return result;
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    subscription = s;
    if (result.isDone()) {
      s.cancel();
    } else {
      s.request(Long.MAX_VALUE);
    }
  }

  @Override
  public void onNext(List<ByteBuffer> items) {
    if (result.isDone()) {
      return;
    }
    for (ByteBuffer b : items) {
      if ((long) bytes.size() + b.remaining() > limit) {
        subscription.cancel();
        result.completeExceptionally(tooBig((long) bytes.size() + b.remaining()));
        return;
      }
      byte[] chunk = new byte[b.remaining()];
      b.get(chunk);
      bytes.writeBytes(chunk);
    }
  }

  @Override
  public void onError(Throwable t) {
    result.completeExceptionally(t);
  }

  @Override
  public void onComplete() {
    result.complete(bytes.toByteArray());
  }

  private CocaineException tooBig(long size) {
    return new CocaineException(ErrorCode.TOO_BIG, "urlfetch: the body of " + url + " is over " + limit
        + " bytes (" + size + " so far; cocaine.services.urlfetch.max-body-bytes)");
  }
}
