package cocaine.proxy;

import cocaine.proxy.pool.Pool;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.HttpProtocols;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt of a request on a leased connection: the request chunk (checked against the wire's
 * frame limit before it is sent), the app channel, and what the app's first reply makes of it: a
 * response, a refusal that another try may overcome ({@link Retry}), or the proxy's own error. An
 * app that takes its request whole is served on an {@link AppChannel}, a streaming app on a channel
 * stream. The lease is given back when the channel ends. Stateless; one instance serves every request.
 */
final class Attempt {
  private static final Logger log = LoggerFactory.getLogger(HttpProxy.class);
  /** Errors of an app that say it refused the request before any worker saw it. */
  private static final Set<ErrorCode> NEVER_REACHED_A_WORKER = Set.of(ErrorCode.QUEUE_IS_FULL,
      ErrorCode.SERVICE_NOT_AVAILABLE, ErrorCode.NOT_RUNNING, ErrorCode.OVERSEER_SHUTDOWNING, ErrorCode.TRY_AGAIN);
  /** Bytes a request chunk's frame adds around the chunk: frame, channel, type, argument list, string head. */
  private static final int FRAME_OVERHEAD = 64;
  private static final Executor SAME_THREAD = Exchange.SAME_THREAD;

  /** How one attempt ended: a response to give, or a refusal that another try may overcome. */
  sealed interface Outcome {}

  record Respond(HttpResponse response) implements Outcome {}

  record Retry(String reason, String why) implements Outcome {}

  private final ActorSystem<?> system;
  private final Materializer mat;
  private final ProxyConfig config;
  /** For continuations: Pekko's dispatcher. */
  private final Executor dispatcher;
  private final RequestBody body;
  private final AppResponse appResponse;
  private final Deadlines deadlines;

  Attempt(ActorSystem<?> system, ProxyConfig config, RequestBody body, AppResponse appResponse, Deadlines deadlines) {
    this.system = system;
    this.mat = Materializer.matFromSystem(system);
    this.config = config;
    this.dispatcher = system.executionContext();
    this.body = body;
    this.appResponse = appResponse;
    this.deadlines = deadlines;
  }

  /**
   * One attempt on a leased connection. The lease is released when the channel ends.
   *
   * @param streamed the body to send as chunks after the first one, or null when it is inside it
   * @param mayRetry whether a refusal that reached no worker should come back as {@link Retry}
   */
  CompletionStage<Outcome> send(Call call, Pool.Granted granted, ByteString wholeBody,
      Source<ByteString, NotUsed> streamed, boolean mayRetry) {
    HttpRequest request = call.request();
    byte[] chunk = RequestChunk.encode(request.method().value(), call.route().uri(),
        request.protocol().equals(HttpProtocols.HTTP_1_0) ? "1.0" : "1.1",
        ForwardedHeaders.toApp(call, wholeBody.size(), streamed != null), wholeBody);
    int maxFrame = config.connection().maxFrameBytes();
    if (chunk.length > maxFrame - FRAME_OVERHEAD) {
      // the node would close the connection on it, and every request on that connection with it
      throw new ProxyError(StatusFor.REQUEST_TOO_LARGE_FOR_FRAME.status(), "request of " + chunk.length
          + " bytes (head and body) does not fit the wire's frame limit of " + maxFrame
          + " bytes (cocaine.network.max-frame-bytes)");
    }
    Message first = Message.write(Values.bytes(chunk));
    Message enqueue = new Message(0, List.of(Values.str(call.route().event())), ForwardedHeaders.enqueue(call,
        config.headers().mapped()));
    return streamed != null ? sendStreamed(call, granted, enqueue, first, streamed)
        : sendWhole(call, granted, enqueue, first, mayRetry);
  }

  /**
   * For an app that takes the request in its first chunk: an {@link AppChannel}, no stream. A whole
   * answer that is in once its first reply is taken becomes a strict response; a longer one is read
   * on as a stream.
   */
  private CompletionStage<Outcome> sendWhole(Call call, Pool.Granted granted, Message enqueue, Message chunk,
      boolean mayRetry) {
    long channelStart = System.nanoTime();
    long maxBodyBytes = config.proxy().maxBodyBytes();
    AppChannel channel;
    try {
      channel = AppChannel.open(granted.connection(), enqueue, chunk, config.connection().channelBuffer(),
          system.executionContext(), deadlines, call.deadlineNanos(), config.cancelOnDisconnect(),
          () -> RequestSide.cancelMessage(call, new TimeoutException(), maxBodyBytes), () -> {
            granted.release();
            RequestSpans.channel(call.trace(), granted.app(), granted.endpoint(), channelStart, null);
          });
    } catch (CocaineException e) { // the connection is gone, or has too many channels open
      granted.release();
      if (mayRetry) { // nothing was sent: another connection may take it
        return CompletableFuture.completedFuture(new Retry("unavailable", e.code() + " " + e.getMessage()));
      }
      return CompletableFuture.supplyAsync(() -> failed(call, granted, e, false, null), SAME_THREAD);
    }
    // first() completes on a dispatcher thread: the request goes on there, with no hop of its own
    return channel.first().handle((got, failure) -> {
      if (failure != null) {
        return failed(call, granted, Exchange.unwrap(failure), mayRetry, null);
      }
      List<Message> messages = got.messages();
      if (messages.isEmpty() || messages.get(0).type() == Graph.ERROR || AppChannel.whole(got)) {
        channel.finish(Message.close());
        channel.done();
        if (messages.isEmpty() && got.failure() != null) {
          return failed(call, granted, Exchange.unwrap(got.failure()), mayRetry, null);
        }
        if (!messages.isEmpty() && messages.get(0).type() == Graph.ERROR) {
          return refusedByApp(call, messages.get(0), mayRetry);
        }
        return new Respond(appResponse.whole(call, granted, messages.isEmpty() ? List.of() : messages));
      }
      Source<Message, NotUsed> tail = Source.from(AppChannel.rest(got))
          .concat(Source.fromGraph(new ReplySource(channel)))
          .watchTermination((notUsed, done) -> {
            done.whenCompleteAsync((d, f) -> {
              channel.finish(Message.close());
              channel.done();
            }, SAME_THREAD);
            return notUsed;
          })
          .via(new ChannelGuard<Message>(cause -> channel.finish(call.answered().get() ? Message.close()
              : RequestSide.cancelMessage(call, cause, maxBodyBytes)), call.timeout()))
          .idleTimeout(call.timeout());
      return new Respond(appResponse.of(call, granted, messages.subList(0, 1), tail));
    });
  }

  /** For a streaming app: the request chunk, then the body as chunks, on a channel stream. */
  private CompletionStage<Outcome> sendStreamed(Call call, Pool.Granted granted, Message enqueue, Message chunk,
      Source<ByteString, NotUsed> streamed) {
    RequestSide side = RequestSide.streamed(call, chunk, streamed, config.proxy().maxBodyBytes());
    long channelStart = System.nanoTime();
    Source<Message, NotUsed> replies = side.messages()
        .via(granted.connection().channel(enqueue, Graph.STREAMING))
        .watchTermination((notUsed, done) -> {
          done.whenCompleteAsync((d, failure) -> {
            granted.release();
            RequestSpans.channel(call.trace(), granted.app(), granted.endpoint(), channelStart, failure);
          }, SAME_THREAD);
          return notUsed;
        })
        .via(new ChannelGuard<Message>(side.onCancel(), call.timeout()))
        .initialTimeout(call.remaining())
        .idleTimeout(call.timeout());
    return replies.prefixAndTail(1).runWith(Sink.head(), mat)
        .handleAsync((headAndTail, failure) -> failure != null
            ? failed(call, granted, Exchange.unwrap(failure), false, side.bodyFailure().get())
            : answered(call, granted, headAndTail.first(), headAndTail.second(), side.bodyFailure().get()),
            dispatcher);
  }

  private Outcome failed(Call call, Pool.Granted granted, Throwable cause, boolean mayRetry, Throwable bodyFailure) {
    if (bodyFailure != null) {
      throw body.error(call, Exchange.unwrap(bodyFailure));
    }
    if (cause instanceof TimeoutException) {
      log.info("request {} to app '{}' at {} timed out after {}", call.trace().requestId(), call.app(),
          granted.endpoint(), call.timeoutText());
      throw new ProxyError(StatusFor.APP_TIMED_OUT.status(), "app '" + call.app() + "' did not answer within "
          + call.timeoutText());
    }
    if (cause instanceof CocaineException e) {
      if (mayRetry && NEVER_REACHED_A_WORKER.contains(e.code())) {
        return new Retry("busy", e.getMessage());
      }
      log.warn("request {} to app '{}' at {} lost: {}", call.trace().requestId(), call.app(), granted.endpoint(),
          e.getMessage());
      throw new ProxyError(StatusFor.APP_LOST.status(), "app '" + call.app() + "' at " + granted.endpoint()
          + " did not answer: " + e.getMessage());
    }
    log.error("request {} to app '{}' failed", call.trace().requestId(), call.app(), cause);
    throw new ProxyError(StatusFor.APP_LOST.status(), "app '" + call.app() + "' did not answer: " + cause);
  }

  /** A streaming app's first reply: an error refuses the request; anything else is its answer. */
  private Outcome answered(Call call, Pool.Granted granted, List<Message> head, Source<Message, NotUsed> tail,
      Throwable bodyFailure) {
    if (head.isEmpty() || head.get(0).type() != Graph.ERROR) {
      return new Respond(appResponse.of(call, granted, head, tail));
    }
    tail.runWith(Sink.ignore(), mat);
    if (bodyFailure != null) {
      throw body.error(call, Exchange.unwrap(bodyFailure));
    }
    return refusedByApp(call, head.get(0), false);
  }

  /** The app answered with an error instead of a response head: perhaps for another try. */
  private Outcome refusedByApp(Call call, Message error, boolean mayRetry) {
    CocaineException e = error.toException();
    if (mayRetry && NEVER_REACHED_A_WORKER.contains(e.code())) {
      return new Retry(e.code().equals(ErrorCode.QUEUE_IS_FULL) ? "queue-full" : "unavailable",
          e.code() + " " + e.getMessage());
    }
    String text = "app '" + call.app() + "' " + e.code() + " " + e.getMessage();
    StatusFor row = StatusFor.appError(e.code());
    switch (row) {
      case APP_UNAVAILABLE -> {
        log.info("request {}: {}", call.trace().requestId(), text);
        throw new ProxyError(row.status(), text);
      }
      case APP_TIMED_OUT -> throw new ProxyError(row.status(), text);
      default -> {
        log.info("request {}: application error: {}", call.trace().requestId(), text);
        throw new ProxyError(row.status(), "application error: " + text);
      }
    }
  }
}
