package cocaine.proxy;

import cocaine.admin.ProxyMetrics;
import cocaine.proxy.pool.Pool;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpProtocols;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.Connection;
import org.apache.pekko.http.javadsl.model.headers.RawRequestURI;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP request through the proxy: route it, lease a connection from the app's pool, send
 * {@code enqueue(event)} with the request chunk (and the body chunks for streaming apps), and turn
 * the app's answer into the HTTP response, streamed. Retries only what surely reached no worker.
 * Stateless between requests; one instance serves the whole listener.
 */
final class Exchange {
  private static final Logger log = LoggerFactory.getLogger(HttpProxy.class);
  /** Errors of an app that say it refused the request before any worker saw it. */
  private static final Set<ErrorCode> NEVER_REACHED_A_WORKER = Set.of(ErrorCode.QUEUE_IS_FULL,
      ErrorCode.SERVICE_NOT_AVAILABLE, ErrorCode.NOT_RUNNING, ErrorCode.OVERSEER_SHUTDOWNING, ErrorCode.TRY_AGAIN);
  /** Its value picks a routing group's member by hash: the same value, the same member (ECOSYSTEM.md 2.2). */
  static final String STICKY_HEADER = "X-Cocaine-Sticky";
  /**
   * For trivial callbacks (a tell, a counter, a log line) on stages Pekko completes: run them where
   * the stage completes. Pekko's stages come from Scala futures, whose plain {@code handle},
   * {@code whenComplete}, ... always hop to the common pool, and on a machine with 2 cores the
   * common pool has parallelism 1, so CompletableFuture starts a new thread for every such hop.
   */
  static final Executor SAME_THREAD = Runnable::run;
  /** How long past its deadline a lease may still be answered before the ask gives up. */
  private static final Duration ASK_SLACK = Duration.ofSeconds(1);

  private final ActorSystem<?> system;
  private final Materializer mat;
  private final ProxyConfig config;
  private final ActorRef<HttpProxy.Command> proxy;
  private final PoolDirectory directory;
  private final ProxyMetrics metrics;
  /** For callbacks that go on with the request (stream materialization): Pekko's dispatcher. */
  private final Executor dispatcher;
  private final RequestBody body;
  private final AppResponse appResponse;
  private final AccessLog accessLog;
  /** Bytes a request chunk's frame adds around the chunk: frame, channel, type, argument list, string head. */
  private static final int FRAME_OVERHEAD = 64;

  Exchange(ActorSystem<?> system, ProxyConfig config, ActorRef<HttpProxy.Command> proxy, PoolDirectory directory,
      ProxyMetrics metrics) {
    this.system = system;
    this.mat = Materializer.matFromSystem(system);
    this.config = config;
    this.proxy = proxy;
    this.directory = directory;
    this.metrics = metrics;
    this.dispatcher = system.executionContext();
    BodyBudget budget = new BodyBudget(config.bodyBudgetBytes());
    this.body = new RequestBody(config, mat, dispatcher, budget);
    this.accessLog = new AccessLog(metrics, budget, config.accessLog());
    this.appResponse = new AppResponse(mat, accessLog);
  }

  /** How one attempt ended: a response to give, or a refusal that another try may overcome. */
  private sealed interface Outcome {}

  private record Respond(HttpResponse response) implements Outcome {}

  private record Retry(String reason, String why) implements Outcome {}

  /** Never fails: every problem becomes a response. */
  CompletionStage<HttpResponse> handle(HttpRequest request) {
    long start = System.nanoTime();
    String rawUri = request.getHeader(RawRequestURI.class).map(RawRequestURI::uri)
        .orElseGet(() -> request.getUri().toString());
    if (rawUri.equals("/ping") && request.getHeader(Route.SERVICE_HEADER).isEmpty()) {
      request.discardEntityBytes(mat);
      return CompletableFuture.completedFuture(HttpResponse.create().addHeaders(ProxyError.common(null, null))
          .withEntity(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, "OK\n")));
    }
    String requestId = null;
    try {
      Trace trace = Trace.of(request);
      requestId = trace.requestId();
      Route route = Route.of(request, rawUri);
      body.checkDeclared(request);
      Call call = new Call(request, route, trace, start, config.timeout(route.app()));
      String id = requestId;
      return attempt(call, 0, null).exceptionally(failure -> {
        Throwable cause = unwrap(failure);
        if (cause instanceof ProxyError e) {
          RequestSpans.proxy(trace, route.app(), route.event(), e.status(), start, e.getMessage());
          return refuse(request, call, e, id, route.app(), start,
              call.reachedPool().get() ? route.app() : ProxyMetrics.NO_APP);
        }
        log.error("request {} to app '{}' failed unexpectedly", id, route.app(), cause);
        return refuse(request, call, new ProxyError(StatusFor.PROXY_FAILED.status(), "internal proxy error: " + cause),
            id, route.app(), start, ProxyMetrics.NO_APP);
      });
    } catch (ProxyError e) {
      return CompletableFuture.completedFuture(refuse(request, null, e, requestId, null, start, ProxyMetrics.NO_APP));
    } catch (RuntimeException e) {
      log.error("request {} {} failed unexpectedly", request.method().value(), rawUri, e);
      return CompletableFuture.completedFuture(refuse(request, null,
          new ProxyError(StatusFor.PROXY_FAILED.status(), "internal proxy error: " + e), requestId, null, start,
          ProxyMetrics.NO_APP));
    }
  }

  private CompletionStage<HttpResponse> attempt(Call call, int tries, ByteString wholeBody) {
    return lease(call).thenCompose(leased -> {
      if (leased instanceof Pool.Refused refused) {
        CocaineException cause = refused.cause();
        if (refused.retriable() && tries < config.proxy().retries()) {
          metrics.retry(ProxyMetrics.NO_APP, "unavailable");
          log.debug("request {}: app '{}' unavailable ({}), try {} of {}", call.trace().requestId(), call.app(),
              cause.getMessage(), tries + 2, config.proxy().retries() + 1);
          return attempt(call, tries + 1, wholeBody);
        }
        StatusFor row = StatusFor.refusedLease(cause.code());
        if (row == StatusFor.NO_CONNECTION_IN_TIME) {
          throw new ProxyError(row.status(), "no connection to app '" + call.app() + "' within " + call.timeoutText());
        }
        throw new ProxyError(row.status(), "app '" + call.app() + "' is not available: " + cause.code() + " "
            + cause.getMessage());
      }
      Pool.Granted granted = (Pool.Granted) leased;
      call.reachedPool().set(true);
      CompletionStage<Outcome> outcome;
      if (granted.streaming()) {
        outcome = send(call, granted, ByteString.emptyByteString(), body.streamed(call), false);
      } else {
        CompletionStage<ByteString> read;
        try {
          read = wholeBody != null ? CompletableFuture.completedFuture(wholeBody) : body.whole(call);
        } catch (RuntimeException e) {
          release(granted);
          throw e;
        }
        outcome = read.handle((bytes, failure) -> {
          if (failure != null) {
            release(granted);
            throw new CompletionException(unwrap(failure));
          }
          CompletionStage<Outcome> sent;
          try {
            sent = send(call, granted, bytes, null, tries < config.proxy().retries());
          } catch (RuntimeException e) {
            release(granted);
            throw e;
          }
          return sent.thenCompose(o -> o instanceof Retry retry
              ? retried(call, tries, bytes, retry)
              : CompletableFuture.completedFuture(o));
        }).thenCompose(x -> x);
      }
      return outcome.thenApply(o -> ((Respond) o).response());
    });
  }

  private CompletionStage<Outcome> retried(Call call, int tries, ByteString body, Retry retry) {
    metrics.retry(call.app(), retry.reason());
    log.debug("request {}: app '{}' refused it ({}), try {} of {}", call.trace().requestId(), call.app(), retry.why(),
        tries + 2, config.proxy().retries() + 1);
    return attempt(call, tries + 1, body).thenApply(Respond::new);
  }

  /** A connection from the pool's {@link cocaine.proxy.pool.Leases} at once, else by asking the proxy actor. */
  private CompletionStage<Pool.Leased> lease(Call call) {
    long leaseStart = System.nanoTime();
    Optional<String> sticky = call.request().getHeader(STICKY_HEADER).map(HttpHeader::value);
    Pool.Granted now = directory.tryLease(call.app(), sticky);
    if (now != null) {
      RequestSpans.leased(call.trace(), call.app(), leaseStart, now, null);
      return CompletableFuture.completedFuture(now);
    }
    Duration wait = call.remaining();
    return AskPattern.<HttpProxy.Command, Pool.Leased>ask(proxy,
            replyTo -> new HttpProxy.Lease(call.app(), sticky, call.deadlineNanos(), replyTo), wait.plus(ASK_SLACK),
            system.scheduler())
        .whenCompleteAsync((leased, failure) -> RequestSpans.leased(call.trace(), call.app(), leaseStart, leased,
            failure), SAME_THREAD)
        .exceptionallyAsync(failure -> {
          if (unwrap(failure) instanceof TimeoutException) {
            throw new ProxyError(StatusFor.NO_CONNECTION_IN_TIME.status(), "no connection to app '" + call.app()
                + "' within " + call.timeoutText());
          }
          throw new CompletionException(unwrap(failure));
        }, dispatcher);
  }

  /**
   * One attempt on a leased connection. The lease is released when the channel ends.
   *
   * @param streamed the body to send as chunks after the first one, or null when it is inside it
   * @param mayRetry whether a refusal that reached no worker should come back as {@link Retry}
   */
  private CompletionStage<Outcome> send(Call call, Pool.Granted granted, ByteString wholeBody,
      Source<ByteString, NotUsed> streamed, boolean mayRetry) {
    HttpRequest request = call.request();
    byte[] whole = wholeBody.toArrayUnsafe();
    byte[] chunk = RequestChunk.encode(request.method().value(), call.route().uri(),
        request.protocol().equals(HttpProtocols.HTTP_1_0) ? "1.0" : "1.1",
        ForwardedHeaders.toApp(call, whole, streamed != null), whole);
    int maxFrame = config.connection().maxFrameBytes();
    if (chunk.length > maxFrame - FRAME_OVERHEAD) {
      // the node would close the connection on it, and every request on that connection with it
      throw new ProxyError(StatusFor.REQUEST_TOO_LARGE_FOR_FRAME.status(), "request of " + chunk.length
          + " bytes (head and body) does not fit the wire's frame limit of " + maxFrame
          + " bytes (cocaine.network.max-frame-bytes)");
    }
    Message first = Message.write(Values.bytes(chunk));
    Message enqueue = new Message(0, List.of(Values.str(call.route().event())), ForwardedHeaders.enqueue(call));
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
          system.executionContext(), system.scheduler(), call.remaining(), config.cancelOnDisconnect(),
          () -> RequestSide.cancelMessage(call, new TimeoutException(), maxBodyBytes), () -> {
            release(granted);
            RequestSpans.channel(call.trace(), granted.app(), granted.endpoint(), channelStart, null);
          });
    } catch (CocaineException e) { // the connection is gone, or has too many channels open
      release(granted);
      return CompletableFuture.supplyAsync(() -> failed(call, granted, e, mayRetry, null), SAME_THREAD);
    }
    // first() completes on a dispatcher thread: the request goes on there, with no hop of its own
    return channel.first().handle((got, failure) -> {
      if (failure != null) {
        return failed(call, granted, unwrap(failure), mayRetry, null);
      }
      List<Message> messages = got.messages();
      if (messages.isEmpty() || messages.get(0).type() == Graph.ERROR || AppChannel.whole(got)) {
        channel.finish(Message.close());
        channel.done();
        if (messages.isEmpty() && got.failure() != null) {
          return failed(call, granted, unwrap(got.failure()), mayRetry, null);
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
            release(granted);
            RequestSpans.channel(call.trace(), granted.app(), granted.endpoint(), channelStart, failure);
          }, SAME_THREAD);
          return notUsed;
        })
        .via(new ChannelGuard<Message>(side.onCancel(), call.timeout()))
        .initialTimeout(call.remaining())
        .idleTimeout(call.timeout());
    return replies.prefixAndTail(1).runWith(Sink.head(), mat)
        .handleAsync((headAndTail, failure) -> failure != null
            ? failed(call, granted, unwrap(failure), false, side.bodyFailure().get())
            : answered(call, granted, headAndTail.first(), headAndTail.second(), side.bodyFailure().get()),
            dispatcher);
  }

  private Outcome failed(Call call, Pool.Granted granted, Throwable cause, boolean mayRetry, Throwable bodyFailure) {
    if (bodyFailure != null) {
      throw body.error(call, unwrap(bodyFailure));
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
      throw body.error(call, unwrap(bodyFailure));
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

  private HttpResponse refuse(HttpRequest request, Call call, ProxyError e, String requestId, String app, long start,
      String metricApp) {
    if (!e.bodyUnread()) {
      request.discardEntityBytes(mat);
    }
    accessLog.refused(request, call, e, requestId, app, start, metricApp);
    HttpResponse response = e.toResponse(requestId, app);
    // the rest of an unread body is not worth reading: the connection closes after the answer
    return e.bodyUnread() ? response.addHeader(Connection.create("close")) : response;
  }

  /** Writes what the access log holds and stops its writer. */
  void close() {
    accessLog.close();
  }

  private void release(Pool.Granted granted) {
    granted.release();
  }

  /** The failure itself, out of the wrappers CompletableFuture puts around it. */
  static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
