package cocaine.proxy;

import cocaine.wire.ErrorCode;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.japi.pf.PFBuilder;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the proxy sends on a streaming app's channel after {@code enqueue} ({@link #streamed}: the
 * request chunk, the body as {@code write} chunks, {@code close}), and the {@code error} an app gets
 * when the exchange ends early on the proxy's side ({@link #cancelMessage}; apps that take the body
 * whole are served by {@link AppChannel}).
 *
 * @param messages the messages to send, the request chunk first
 * @param onEnd to run when the channel has ended
 * @param onCancel to run when the response's consumer went away, with the cause
 * @param bodyFailure why the streamed body broke off, if it did
 */
record RequestSide(Source<Message, NotUsed> messages, Runnable onEnd, Consumer<Throwable> onCancel,
    AtomicReference<Throwable> bodyFailure) {
  /** The proxy's own logger: these lines belong with the rest of the exchange's. */
  private static final Logger log = LoggerFactory.getLogger(HttpProxy.class);
  /** Sent to the app when its HTTP client went away. */
  private static final ErrorCode CLIENT_GONE = ErrorCode.NOT_CONNECTED;

  /** For a streaming app: a body that breaks off ends the channel with {@code error}, not {@code close}. */
  static RequestSide streamed(Call call, Message first, Source<ByteString, NotUsed> body, long maxBodyBytes) {
    AtomicReference<Throwable> bodyFailure = new AtomicReference<>();
    SharedKillSwitch abort = KillSwitches.shared("request-body");
    Source<Message, NotUsed> messages = Source.single(first).concat(body
        .filter(bytes -> !bytes.isEmpty())
        .map(bytes -> Message.write(Values.bytes(bytes.toArray())))
        .concat(Source.single(Message.close()))
        .via(abort.flow())
        .recover(new PFBuilder<Throwable, Message>().match(Throwable.class, e -> {
          bodyFailure.compareAndSet(null, e);
          return cancelMessage(call, e, maxBodyBytes);
        }).build()));
    return new RequestSide(messages, () -> { }, abort::abort, bodyFailure);
  }

  /** The {@code error} the app gets when the exchange ends early on the proxy's side. */
  static Message cancelMessage(Call call, Throwable cause, long maxBodyBytes) {
    Throwable c = Exchange.unwrap(cause);
    log.debug("request {}: ending the app channel early because of {}", call.trace().requestId(), c.toString());
    if (c instanceof TimeoutException) {
      return Message.error(ErrorCode.TIMEOUT, "the HTTP proxy timed out after " + call.timeoutText());
    }
    if (c instanceof EntityStreamSizeException) {
      return Message.error(ErrorCode.TOO_BIG, "request body is larger than " + maxBodyBytes + " bytes");
    }
    return Message.error(CLIENT_GONE, "the HTTP client went away");
  }
}
