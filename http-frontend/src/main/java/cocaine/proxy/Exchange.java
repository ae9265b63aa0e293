package cocaine.proxy;

import cocaine.admin.ProxyMetrics;
import cocaine.proxy.pool.Pool;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Graph;
import cocaine.wire.Header;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpProtocols;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Connection;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.model.headers.RawRequestURI;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.japi.pf.PFBuilder;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.SharedKillSwitch;
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
  private static final Logger access = LoggerFactory.getLogger("cocaine.proxy.access");
  /** Sent to the app when its HTTP client went away. */
  private static final ErrorCode CLIENT_GONE = ErrorCode.NOT_CONNECTED;
  /** The connection to the app has too many open channels (its network.max-channels): try later. */
  /** Errors of an app that say it refused the request before any worker saw it. */
  private static final Set<ErrorCode> NEVER_REACHED_A_WORKER = Set.of(ErrorCode.QUEUE_IS_FULL,
      ErrorCode.SERVICE_NOT_AVAILABLE, ErrorCode.NOT_RUNNING, ErrorCode.OVERSEER_SHUTDOWNING, ErrorCode.TRY_AGAIN);
  private static final Set<String> NOT_FORWARDED = Set.of("raw-request-uri", "timeout-access");
  private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "transfer-encoding", "te",
      "trailer", "upgrade", "proxy-connection", "content-length", "content-type", "x-powered-by",
      "x-request-id", "x-cocaine-application", "x-cocaine-version-app");
  /** Methods whose empty body still gets "Content-Length: 0" (pekko does not say whether the client sent one). */
  private static final Set<String> BODY_METHODS = Set.of("POST", "PUT", "PATCH");
  private static final String PROTO_VERSION = "X-Cocaine-HTTP-Proto-Version";
  /** Its value picks a routing group's member by hash: the same value, the same member (ECOSYSTEM.md 2.2). */
  static final String STICKY_HEADER = "X-Cocaine-Sticky";
  /** On answers to a routing group: the member app that answered. */
  static final String VERSION_APP_HEADER = "X-Cocaine-Version-App";
  /**
   * For trivial callbacks (a tell, a counter, a log line) on stages Pekko completes: run them where
   * the stage completes. Pekko's stages come from Scala futures, whose plain {@code handle},
   * {@code whenComplete}, ... always hop to the common pool, and on a machine with 2 cores the
   * common pool has parallelism 1, so CompletableFuture starts a new thread for every such hop.
   */
  private static final Executor SAME_THREAD = Runnable::run;
  /** How long past its deadline a lease may still be answered before the ask gives up. */
  private static final Duration ASK_SLACK = Duration.ofSeconds(1);

  private final ActorSystem<?> system;
  private final Materializer mat;
  private final ProxyConfig config;
  private final ActorRef<HttpProxy.Command> proxy;
  private final ProxyMetrics metrics;
  /** For callbacks that go on with the request (stream materialization): Pekko's dispatcher. */
  private final Executor dispatcher;

  Exchange(ActorSystem<?> system, ProxyConfig config, ActorRef<HttpProxy.Command> proxy, ProxyMetrics metrics) {
    this.system = system;
    this.mat = Materializer.matFromSystem(system);
    this.config = config;
    this.proxy = proxy;
    this.metrics = metrics;
    this.dispatcher = system.executionContext();
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
      OptionalLong declared = request.entity().getContentLengthOption();
      if (declared.isPresent() && declared.getAsLong() > config.proxy().maxBodyBytes()) {
        throw new ProxyError(StatusFor.BODY_TOO_LARGE.status(), "request body of " + declared.getAsLong() + " bytes is larger than the limit of "
            + config.proxy().maxBodyBytes() + " bytes");
      }
      Call call = new Call(request, route, trace, start, config.timeout(route.app()), new AtomicBoolean(),
          new AtomicBoolean());
      String id = requestId;
      return attempt(call, 0, null).exceptionally(failure -> {
        Throwable cause = unwrap(failure);
        if (cause instanceof ProxyError e) {
          RequestSpans.proxy(trace, route.app(), route.event(), e.status(), start, e.getMessage());
          return refuse(request, e, id, route.app(), start, call.reachedPool().get() ? route.app() : ProxyMetrics.NO_APP);
        }
        log.error("request {} to app '{}' failed unexpectedly", id, route.app(), cause);
        return refuse(request, new ProxyError(StatusFor.PROXY_FAILED.status(), "internal proxy error: " + cause), id, route.app(), start,
            ProxyMetrics.NO_APP);
      });
    } catch (ProxyError e) {
      return CompletableFuture.completedFuture(refuse(request, e, requestId, null, start, ProxyMetrics.NO_APP));
    } catch (RuntimeException e) {
      log.error("request {} {} failed unexpectedly", request.method().value(), rawUri, e);
      return CompletableFuture.completedFuture(refuse(request, new ProxyError(StatusFor.PROXY_FAILED.status(), "internal proxy error: " + e),
          requestId, null, start, ProxyMetrics.NO_APP));
    }
  }

  private CompletionStage<HttpResponse> attempt(Call call, int tries, byte[] wholeBody) {
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
        outcome = send(call, granted, new byte[0], streamedBody(call), false);
      } else {
        CompletionStage<byte[]> body = wholeBody != null ? CompletableFuture.completedFuture(wholeBody) : readBody(call);
        outcome = body.handle((bytes, failure) -> {
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

  private CompletionStage<Outcome> retried(Call call, int tries, byte[] body, Retry retry) {
    metrics.retry(call.app(), retry.reason());
    log.debug("request {}: app '{}' refused it ({}), try {} of {}", call.trace().requestId(), call.app(), retry.why(),
        tries + 2, config.proxy().retries() + 1);
    return attempt(call, tries + 1, body).thenApply(Respond::new);
  }

  private CompletionStage<Pool.Leased> lease(Call call) {
    Duration wait = call.remaining();
    long leaseStart = System.nanoTime();
    return AskPattern.<HttpProxy.Command, Pool.Leased>ask(proxy,
            replyTo -> new HttpProxy.Lease(call.app(), call.request().getHeader(STICKY_HEADER).map(HttpHeader::value),
                call.deadlineNanos(), replyTo), wait.plus(ASK_SLACK),
            system.scheduler())
        .whenCompleteAsync((leased, failure) -> RequestSpans.leased(call.trace(), call.app(), leaseStart, leased,
            failure), SAME_THREAD)
        .exceptionallyAsync(failure -> {
          if (unwrap(failure) instanceof TimeoutException) {
            throw new ProxyError(StatusFor.NO_CONNECTION_IN_TIME.status(), "no connection to app '" + call.app() + "' within " + call.timeoutText());
          }
          throw new CompletionException(unwrap(failure));
        }, dispatcher);
  }

  /** The body of a request to an app that reads it whole from the first chunk, bounded by time and size. */
  private CompletionStage<byte[]> readBody(Call call) {
    return call.request().entity()
        .toStrict(call.remaining().toMillis(), config.proxy().maxBodyBytes(), mat)
        .handleAsync((strict, failure) -> {
          if (failure != null) {
            throw bodyError(call, unwrap(failure));
          }
          return strict.getData().toArray();
        }, dispatcher);
  }

  private ProxyError bodyError(Call call, Throwable cause) {
    if (cause instanceof EntityStreamSizeException) {
      return new ProxyError(StatusFor.BODY_TOO_LARGE.status(), "request body is larger than the limit of " + config.proxy().maxBodyBytes() + " bytes");
    }
    if (cause instanceof TimeoutException) {
      return new ProxyError(StatusFor.BODY_TOO_SLOW.status(), "request body was not received within " + call.timeoutText());
    }
    return new ProxyError(StatusFor.BODY_UNREADABLE.status(), "request body could not be read: " + cause.getMessage());
  }

  /** A streaming app's body as {@code write} chunks ending in {@code close}; never held whole. */
  private Source<ByteString, NotUsed> streamedBody(Call call) {
    HttpEntity entity = call.request().entity().withSizeLimit(config.proxy().maxBodyBytes());
    return entity.getDataBytes().idleTimeout(call.timeout()).mapMaterializedValue(m -> NotUsed.getInstance());
  }

  /**
   * One attempt on a leased connection. The lease is released when the channel ends.
   *
   * @param streamed the body to send as chunks after the first one, or null when it is inside it
   * @param mayRetry whether a refusal that reached no worker should come back as {@link Retry}
   */
  private CompletionStage<Outcome> send(Call call, Pool.Granted granted, byte[] body, Source<ByteString, NotUsed> streamed,
      boolean mayRetry) {
    HttpRequest request = call.request();
    Message first = Message.write(Values.bytes(RequestChunk.encode(request.method().value(), call.route().uri(),
        request.protocol().equals(HttpProtocols.HTTP_1_0) ? "1.0" : "1.1", headersFor(call, body, streamed != null),
        body)));
    AtomicReference<Throwable> bodyFailure = new AtomicReference<>();
    Source<Message, NotUsed> requests;
    Runnable onEnd;
    Consumer<Throwable> onCancel;
    if (streamed != null) {
      SharedKillSwitch abort = KillSwitches.shared("request-body");
      requests = Source.single(first).concat(streamed
          .filter(bytes -> !bytes.isEmpty())
          .map(bytes -> Message.write(Values.bytes(bytes.toArray())))
          .concat(Source.single(Message.close()))
          .via(abort.flow())
          .recover(new PFBuilder<Throwable, Message>().match(Throwable.class, e -> {
            bodyFailure.compareAndSet(null, e);
            return cancelMessage(call, e);
          }).build()));
      onEnd = () -> { };
      onCancel = abort::abort;
    } else if (config.cancelOnDisconnect()) {
      Pair<BoundedSourceQueue<Message>, Source<Message, NotUsed>> control = Source.<Message>queue(2).preMaterialize(mat);
      AtomicBoolean finished = new AtomicBoolean();
      requests = Source.single(first).concat(control.second());
      onEnd = () -> finish(finished, control.first(), Message.close());
      // an app that ends its body with an empty chunk (proto 1.1) is done: it gets close, not error
      onCancel = cause -> finish(finished, control.first(), call.answered().get() ? Message.close()
          : cancelMessage(call, cause));
    } else {
      requests = Source.from(List.of(first, Message.close()));
      onEnd = () -> { };
      onCancel = cause -> { };
    }
    Message enqueue = new Message(0, List.of(Values.str(call.route().event())), enqueueHeaders(call));
    long channelStart = System.nanoTime();
    Source<Message, NotUsed> replies = requests
        .via(granted.connection().channel(enqueue, Graph.STREAMING))
        .watchTermination((notUsed, done) -> {
          done.whenCompleteAsync((d, failure) -> {
            onEnd.run();
            release(granted);
            RequestSpans.channel(call.trace(), granted.app(), granted.endpoint(), channelStart, failure);
          }, SAME_THREAD);
          return notUsed;
        })
        .via(new ChannelGuard<Message>(onCancel, call.timeout()))
        .initialTimeout(call.remaining())
        .idleTimeout(call.timeout());
    return replies.prefixAndTail(1).runWith(Sink.head(), mat)
        .handleAsync((headAndTail, failure) -> failure != null
            ? failed(call, granted, unwrap(failure), mayRetry, bodyFailure.get())
            : answered(call, granted, headAndTail.first(), headAndTail.second(), mayRetry, bodyFailure.get()),
            dispatcher);
  }

  private static void finish(AtomicBoolean finished, BoundedSourceQueue<Message> control, Message last) {
    if (finished.compareAndSet(false, true)) {
      control.offer(last);
      control.complete();
    }
  }

  /** The {@code error} the app gets when the exchange ends early on the proxy's side. */
  private Message cancelMessage(Call call, Throwable cause) {
    Throwable c = unwrap(cause);
    log.debug("request {}: ending the app channel early because of {}", call.trace().requestId(), c.toString());
    if (c instanceof TimeoutException) {
      return Message.error(ErrorCode.TIMEOUT, "the HTTP proxy timed out after " + call.timeoutText());
    }
    if (c instanceof EntityStreamSizeException) {
      return Message.error(ErrorCode.TOO_BIG, "request body is larger than " + config.proxy().maxBodyBytes() + " bytes");
    }
    return Message.error(CLIENT_GONE, "the HTTP client went away");
  }

  private Outcome failed(Call call, Pool.Granted granted, Throwable cause, boolean mayRetry, Throwable bodyFailure) {
    if (bodyFailure != null) {
      throw bodyError(call, unwrap(bodyFailure));
    }
    if (cause instanceof TimeoutException) {
      log.info("request {} to app '{}' at {} timed out after {}", call.trace().requestId(), call.app(),
          granted.endpoint(), call.timeoutText());
      throw new ProxyError(StatusFor.APP_TIMED_OUT.status(), "app '" + call.app() + "' did not answer within " + call.timeoutText());
    }
    if (cause instanceof CocaineException e) {
      if (mayRetry && NEVER_REACHED_A_WORKER.contains(e.code())) {
        return new Retry("busy", e.getMessage());
      }
      log.warn("request {} to app '{}' at {} lost: {}", call.trace().requestId(), call.app(), granted.endpoint(),
          e.getMessage());
      throw new ProxyError(StatusFor.APP_LOST.status(), "app '" + call.app() + "' at " + granted.endpoint() + " did not answer: "
          + e.getMessage());
    }
    log.error("request {} to app '{}' failed", call.trace().requestId(), call.app(), cause);
    throw new ProxyError(StatusFor.APP_LOST.status(), "app '" + call.app() + "' did not answer: " + cause);
  }

  private Outcome answered(Call call, Pool.Granted granted, List<Message> head, Source<Message, NotUsed> tail,
      boolean mayRetry, Throwable bodyFailure) {
    if (head.isEmpty()) {
      tail.runWith(Sink.ignore(), mat);
      throw new ProxyError(StatusFor.NO_RESPONSE.status(), "app '" + call.app() + "' ended the channel without a response");
    }
    Message first = head.get(0);
    if (first.type() == Graph.ERROR) {
      tail.runWith(Sink.ignore(), mat);
      if (bodyFailure != null) {
        throw bodyError(call, unwrap(bodyFailure));
      }
      CocaineException e = first.toException();
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
    if (first.type() == Graph.CLOSE) {
      tail.runWith(Sink.ignore(), mat);
      throw new ProxyError(StatusFor.NO_RESPONSE_HEAD.status(), "app '" + call.app() + "' closed the channel without sending a response head");
    }
    ResponseHead parsed;
    try {
      parsed = ResponseHead.parse(bytes(first));
    } catch (IllegalArgumentException e) {
      tail.runWith(Sink.cancelled(), mat);
      log.warn("request {}: app '{}' at {} sent a malformed response head: {}", call.trace().requestId(), call.app(),
          granted.endpoint(), e.getMessage());
      throw new ProxyError(StatusFor.MALFORMED_RESPONSE_HEAD.status(), "app '" + call.app() + "' sent a malformed response head: " + e.getMessage());
    }
    return new Respond(response(call, granted.app(), parsed, tail));
  }

  private HttpResponse response(Call call, String member, ResponseHead head, Source<Message, NotUsed> tail) {
    List<HttpHeader> headers = new ArrayList<>(ProxyError.common(call.trace().requestId(), call.app()));
    if (!member.equals(call.app())) {
      headers.add(RawHeader.create(VERSION_APP_HEADER, member));
    }
    ContentType contentType = ContentTypes.NO_CONTENT_TYPE;
    OptionalLong length = OptionalLong.empty();
    boolean emptyChunkEnds = false;
    for (Map.Entry<String, String> h : head.headers()) {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      String value = h.getValue();
      if (name.equals("content-type")) {
        try {
          contentType = ContentTypes.parse(value);
        } catch (RuntimeException e) {
          log.debug("app '{}' sent an unparsable Content-Type '{}'; sending application/octet-stream", call.app(), value);
          contentType = ContentTypes.APPLICATION_OCTET_STREAM;
        }
      } else if (name.equals("content-length")) {
        try {
          length = OptionalLong.of(Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
          log.debug("app '{}' sent a bad Content-Length '{}'; ignored", call.app(), value);
        }
      } else if (name.equals(PROTO_VERSION.toLowerCase(Locale.ROOT))) {
        emptyChunkEnds = value.trim().equals("1.1");
      } else if (!HOP_BY_HOP.contains(name)) {
        headers.add(header(h.getKey(), value));
      }
    }
    boolean http11 = emptyChunkEnds;
    int status = head.status();
    StatusCode code = StatusCodes.lookup(status).orElseGet(() -> StatusCodes.custom(status, "Status " + status, ""));
    HttpResponse response = HttpResponse.create().withStatus(code).addHeaders(headers);
    boolean noBody = call.request().method().equals(HttpMethods.HEAD) || status == 204 || status == 304 || status < 200;
    if (noBody) {
      drain(call, status, tail);
      if (call.request().method().equals(HttpMethods.HEAD) && length.isPresent() && length.getAsLong() > 0) {
        return response.withEntity(HttpEntities.create(contentType, length.getAsLong(), Source.empty()));
      }
      return response.withEntity(call.request().method().equals(HttpMethods.HEAD) && status >= 200 && status != 204
          && status != 304 ? HttpEntities.createChunked(contentType, Source.empty()) : HttpEntities.EMPTY);
    }
    Source<ByteString, NotUsed> streamed = streamedResponse(call, status, tail, http11);
    if (length.isPresent()) {
      return response.withEntity(length.getAsLong() == 0
          ? HttpEntities.create(contentType, new byte[0])
          : HttpEntities.create(contentType, length.getAsLong(), streamed));
    }
    return response.withEntity(HttpEntities.createChunked(contentType, streamed));
  }

  /** The app's body chunks as the HTTP body; an error after the head cuts the response. */
  private Source<ByteString, NotUsed> streamedResponse(Call call, int status, Source<Message, NotUsed> tail,
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
              finished(call, status, call.app());
            } else {
              aborted(call, status, unwrap(failure));
            }
          }, SAME_THREAD);
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
    metrics.aborted(call.app(), reason);
    finished(call, status, call.app());
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
    finished(call, status, call.app());
  }

  private void finished(Call call, int status, String app) {
    long nanos = System.nanoTime() - call.startNanos();
    metrics.request(app, status, nanos);
    RequestSpans.proxy(call.trace(), app, call.route().event(), status, call.startNanos(), null);
    access.info("{} {} -> {} app={} event={} id={} ms={}", call.request().method().value(), call.request().getUri().path(), status,
        call.app(), call.route().event(), call.trace().requestId(), nanos / 1_000_000);
  }

  private HttpResponse refuse(HttpRequest request, ProxyError e, String requestId, String app, long start,
      String metricApp) {
    if (e.status() == StatusFor.BODY_TOO_LARGE.status()) {
      // the rest of an oversized body is not worth reading: the connection closes after the answer
      return logged(request, e, requestId, app, start, metricApp)
          .addHeader(Connection.create("close"));
    }
    request.discardEntityBytes(mat);
    return logged(request, e, requestId, app, start, metricApp);
  }

  private HttpResponse logged(HttpRequest request, ProxyError e, String requestId, String app, long start,
      String metricApp) {
    long nanos = System.nanoTime() - start;
    metrics.request(metricApp, e.status(), nanos);
    access.info("{} {} -> {} app={} id={} ms={} error={}", request.method().value(), request.getUri().path(), e.status(),
        app, requestId, nanos / 1_000_000, e.getMessage());
    return e.toResponse(requestId, app);
  }

  private void release(Pool.Granted granted) {
    granted.pool().tell(new Pool.Release(granted.connectionId()));
  }

  /** The HTTP headers the app sees: the client's, in order, with the entity's type and length. */
  private List<Map.Entry<String, String>> headersFor(Call call, byte[] body, boolean streamed) {
    HttpRequest request = call.request();
    List<Map.Entry<String, String>> out = new ArrayList<>();
    for (HttpHeader h : request.getHeaders()) {
      if (!NOT_FORWARDED.contains(h.lowercaseName())) {
        out.add(Map.entry(h.name(), h.value()));
      }
    }
    ContentType type = request.entity().getContentType();
    if (!type.equals(ContentTypes.NO_CONTENT_TYPE)) {
      out.add(Map.entry("Content-Type", type.toString()));
    }
    if (!streamed && (body.length > 0 || BODY_METHODS.contains(request.method().value()))) {
      out.add(Map.entry("Content-Length", Integer.toString(body.length)));
    } else if (streamed) {
      OptionalLong length = request.entity().getContentLengthOption();
      // The app reads further chunks only when the head declares a body (framework HttpRequest).
      out.add(length.isPresent() ? Map.entry("Content-Length", Long.toString(length.getAsLong()))
          : Map.entry("Transfer-Encoding", "chunked"));
    }
    if (!call.route().byHeaders()) {
      // like the tornado proxy: the app sees which app and event the path named
      out.add(Map.entry(Route.SERVICE_HEADER, call.app()));
      out.add(Map.entry(Route.EVENT_HEADER, call.route().event()));
    }
    return out;
  }

  /** v12 headers of the enqueue: trace, the client's authorization, the app's timeout. */
  private List<Header> enqueueHeaders(Call call) {
    List<Header> out = new ArrayList<>(call.trace().headers());
    call.request().getHeader("Authorization").ifPresent(h -> out.add(Header.of(Header.AUTHORIZATION, h.value())));
    out.add(Header.ofLong(Header.REQUEST_TIMEOUT, call.timeout().toMillis()));
    return out;
  }

  private static HttpHeader header(String name, String value) {
    try {
      return HttpHeader.parse(name, value);
    } catch (RuntimeException e) {
      return RawHeader.create(name, value);
    }
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

  private static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

}
