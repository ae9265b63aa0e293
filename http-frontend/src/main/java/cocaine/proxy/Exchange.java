package cocaine.proxy;

import cocaine.admin.ProxyMetrics;
import cocaine.proxy.pool.LocatorClient;
import cocaine.proxy.pool.Pool;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.Connection;
import org.apache.pekko.http.javadsl.model.headers.RawRequestURI;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP request through the proxy: route it, read its body within the body budget (or stream
 * it, for a streaming app), lease a connection from the app's pool and make {@link Attempt}s on it
 * until one gives a response; retries only what surely reached no worker. Every end of a request,
 * the proxy's own refusals too, goes through the {@link AccessLog}. Stateless between requests; one
 * instance serves the whole listener.
 */
final class Exchange {
  private static final Logger log = LoggerFactory.getLogger(HttpProxy.class);
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
  private final Attempt attempts;
  private final AccessLog accessLog;
  private final Deadlines deadlines;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Timeouts timeouts;
  private final TraceSampling sampling;
  private final LocatorClient locator;
  /** Whether the last /ping found no locator: only a change is logged. */
  private final AtomicBoolean locatorDown = new AtomicBoolean();
  /** Null unless {@code cocaine.proxy.json-rpc} is on. */
  private final JsonRpc jsonRpc;

  Exchange(ActorSystem<?> system, ProxyConfig config, ActorRef<HttpProxy.Command> proxy, PoolDirectory directory,
      ProxyMetrics metrics, Timeouts timeouts, TraceSampling sampling, LocatorClient locator) {
    this.timeouts = timeouts;
    this.sampling = sampling;
    this.locator = locator;
    this.jsonRpc = config.jsonRpc() ? new JsonRpc(locator, Materializer.matFromSystem(system),
        config.proxy().timeout(), config.proxy().maxBodyBytes()) : null;
    this.system = system;
    this.mat = Materializer.matFromSystem(system);
    this.config = config;
    this.proxy = proxy;
    this.directory = directory;
    this.metrics = metrics;
    this.dispatcher = system.executionContext();
    BodyBudget budget = new BodyBudget(config.bodyBudgetBytes());
    metrics.bodyBudget(budget::held, budget.budget(), budget::refused);
    this.body = new RequestBody(config, mat, dispatcher, budget);
    this.accessLog = new AccessLog(metrics, budget, config.accessLog());
    this.deadlines = new Deadlines(system.scheduler(), system.executionContext());
    this.attempts = new Attempt(system, config, body,
        new AppResponse(mat, accessLog, new ResponseBody(budget, deadlines)), deadlines);
    // once requests are done, before the runtime's log leaves its sinks: the last lines reach the log ring too
    CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceStop(), "http-proxy-access-log", () -> {
      close();
      return CompletableFuture.completedFuture(Done.getInstance());
    });
  }

  /** Never fails: every problem becomes a response. */
  CompletionStage<HttpResponse> handle(HttpRequest request) {
    long start = System.nanoTime();
    String rawUri = request.getHeader(RawRequestURI.class).map(RawRequestURI::uri)
        .orElseGet(() -> request.getUri().toString());
    if (rawUri.equals("/ping") && request.getHeader(Route.SERVICE_HEADER).isEmpty()) {
      return ping(request);
    }
    if (jsonRpc != null && request.getHeader(JsonRpc.HEADER).isPresent()) {
      return jsonRpc.handle(request);
    }
    String requestId = null;
    try {
      Trace trace = Trace.of(request, config.headers().requestId());
      requestId = trace.requestId();
      Route route = Route.of(request, rawUri);
      body.checkDeclared(request);
      boolean traceBit = TracingPolicy.sampled(request.getHeader(TracingPolicy.HEADER).map(HttpHeader::value),
          sampling.share(route.app()), ThreadLocalRandom.current().nextDouble());
      Call call = new Call(request, route, trace, start, timeouts.of(route.app(), route.event()), traceBit);
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
    return lease(call, tries > 0).thenCompose(leased -> {
      if (leased instanceof Pool.Refused refused) {
        CocaineException cause = refused.cause();
        if (refused.retriable() && tries < config.proxy().retries()) {
          metrics.retry(ProxyMetrics.NO_APP, "unavailable");
          log.debug("request {}: app '{}' unavailable ({}), try {} of {}", call.trace().requestId(), call.app(),
              cause.getMessage(), tries + 2, config.proxy().retries() + 1);
          return attempt(call, tries + 1, wholeBody);
        }
        StatusFor row = StatusFor.refusedLease(cause.code());
        if (cause.code().equals(ErrorCode.SERVICE_NOT_AVAILABLE)) {
          // the locator knows no such app: the tornado proxy's answer, 503 so that nginx tries another proxy
          log.info("request {}: {}", call.trace().requestId(), cause.getMessage());
          throw new ProxyError(row.status(), "current application " + call.app() + " is unavailable");
        }
        if (row == StatusFor.NO_CONNECTION_IN_TIME) {
          throw new ProxyError(row.status(), "no connection to app '" + call.app() + "' within " + call.timeoutText());
        }
        throw new ProxyError(row.status(), "app '" + call.app() + "' is not available: " + cause.code() + " "
            + cause.getMessage());
      }
      Pool.Granted granted = (Pool.Granted) leased;
      call.reachedPool().set(true);
      CompletionStage<Attempt.Outcome> outcome;
      if (granted.streaming()) {
        outcome = attempts.send(call, granted, ByteString.emptyByteString(), body.streamed(call), false);
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
          CompletionStage<Attempt.Outcome> sent;
          try {
            sent = attempts.send(call, granted, bytes, null, tries < config.proxy().retries());
          } catch (RuntimeException e) {
            release(granted);
            throw e;
          }
          return sent.thenCompose(o -> o instanceof Attempt.Retry retry
              ? retried(call, tries, bytes, retry)
              : CompletableFuture.completedFuture(o));
        }).thenCompose(x -> x);
      }
      return outcome.thenApply(o -> ((Attempt.Respond) o).response());
    });
  }

  private CompletionStage<Attempt.Outcome> retried(Call call, int tries, ByteString body, Attempt.Retry retry) {
    metrics.retry(call.app(), retry.reason());
    log.debug("request {}: app '{}' refused it ({}), try {} of {}", call.trace().requestId(), call.app(), retry.why(),
        tries + 2, config.proxy().retries() + 1);
    return attempt(call, tries + 1, body).thenApply(Attempt.Respond::new);
  }

  /**
   * {@code /ping}: 200 while a locator accepts a connection, else 503, so that a balancer in front
   * stops sending requests to a proxy that cannot resolve apps (the tornado proxy's health check).
   */
  private CompletionStage<HttpResponse> ping(HttpRequest request) {
    request.discardEntityBytes(mat);
    return locator.reachable().handle((ok, failure) -> {
      if (failure == null) {
        if (locatorDown.getAndSet(false)) {
          log.info("/ping answers 200 again: a locator can be reached");
        }
        return HttpResponse.create().addHeaders(ProxyError.common(null, null))
            .withEntity(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, "OK\n"));
      }
      if (!locatorDown.getAndSet(true)) {
        log.warn("/ping answers 503 until a locator can be reached: {}", unwrap(failure).getMessage());
      }
      return ProxyError.response(StatusFor.NO_LOCATOR.status(), "locator is unavailable", null, null);
    });
  }

  /** A connection from the pool's {@link cocaine.proxy.pool.Leases} at once, else by asking the proxy actor. */
  private CompletionStage<Pool.Leased> lease(Call call, boolean retry) {
    long leaseStart = System.nanoTime();
    Optional<String> sticky = call.request().getHeader(config.headers().sticky()).map(HttpHeader::value);
    Pool.Granted now = directory.tryLease(call.app(), sticky, retry);
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

  /** Writes what the access log holds and stops its writer; stops the sweep of deadlines. Once. */
  void close() {
    if (closed.getAndSet(true)) {
      return;
    }
    deadlines.close();
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
