package cocaine.urlfetch;

import static cocaine.wire.Signature.Type.BOOL;
import static cocaine.wire.Signature.Type.INT;
import static cocaine.wire.Signature.Type.MAP;
import static cocaine.wire.Signature.Type.STR;
import static cocaine.wire.Signature.optional;
import static cocaine.wire.Signature.required;

import cocaine.config.ServicesSettings;
import cocaine.rpc.service.ChannelContext;
import cocaine.rpc.service.MethodService;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Protocol;
import cocaine.wire.Signature;
import cocaine.wire.Values;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;
import org.msgpack.value.Value;

/**
 * The {@code urlfetch} service (version 1, as the original plugin): {@code get(url, timeout_ms,
 * cookies, headers, follow_location)} and {@code post(url, body, ...)} answer {@code [success,
 * body, code, headers]} for any HTTP response. A fetch that gets no response is an error: [20991,
 * 3] past its timeout, [12, 27] for a body over the limit, [12, 5] for a redirect loop or a
 * connection that fails, [9, 3] for a hop whose host resolves to an address {@link TargetPolicy}
 * refuses. At most {@code connections-limit} fetches run at once; one more is refused with [12, 11].
 * Its only state is that count, so it is not an actor.
 */
public final class UrlfetchService extends MethodService {
  public static final String NAME = "urlfetch";
  public static final int VERSION = 1;
  public static final int GET = 0;
  public static final int POST = 1;
  static final long DEFAULT_TIMEOUT_MS = 5000;
  private static final int MAX_RESOLVER_THREADS = 4;
  private static final Signature GET_ARGS = Signature.of(required("url", STR), optional("timeout", INT),
      optional("cookies", MAP, "{str: str}"), optional("headers", MAP, "{str: str}"), optional("follow_location", BOOL));
  private static final Signature POST_ARGS = Signature.of(required("url", STR), required("body", STR),
      optional("timeout", INT), optional("cookies", MAP, "{str: str}"), optional("headers", MAP, "{str: str}"),
      optional("follow_location", BOOL));
  public static final Protocol PROTOCOL = Protocol.builder()
      .method(GET, "get", GET_ARGS, Graph.TERMINAL, Graph.PRIMITIVE)
      .method(POST, "post", POST_ARGS, Graph.TERMINAL, Graph.PRIMITIVE)
      .build();

  private final ServicesSettings.Urlfetch settings;
  private final HttpClient client;
  private final Semaphore slots;
  private final TargetPolicy targets;
  /** Host names are resolved here: a lookup blocks, and the caller's thread is the transport's. */
  private final ThreadPoolExecutor resolver;

  public UrlfetchService(ServicesSettings.Urlfetch settings) {
    super(NAME, VERSION, PROTOCOL);
    this.settings = settings;
    this.slots = new Semaphore(settings.connectionsLimit());
    this.targets = TargetPolicy.of(settings);
    int threads = Math.min(settings.connectionsLimit(), MAX_RESOLVER_THREADS);
    this.resolver = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(settings.connectionsLimit()), r -> {
          Thread t = new Thread(r, "urlfetch-resolver");
          t.setDaemon(true);
          return t;
        });
    resolver.allowCoreThreadTimeOut(true);
    this.client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(settings.maxTimeout()).build();
  }

  @Override
  protected Source<Message, NotUsed> call(ChannelContext channel, Message first, Source<Message, NotUsed> rest) {
    Fetch fetch = fetch(first.type(), first.args());
    if (!slots.tryAcquire()) {
      log.warn("urlfetch: refused {} from {}: {} fetches in flight", fetch.uri(), channel.peer(),
          settings.connectionsLimit());
      return Source.single(Message.error(ErrorCode.TRY_AGAIN, "urlfetch: " + settings.connectionsLimit()
          + " fetches are in flight already (cocaine.services.urlfetch.connections-limit); try again later"));
    }
    CompletableFuture<Message> reply = fetch.run(client, this::admit)
        .orTimeout(fetch.timeout().toMillis(), TimeUnit.MILLISECONDS)
        .thenApply(r -> Message.value(Values.bool(true), Values.bytes(r.body()), Values.integer(r.code()),
            Values.fromJava(r.headers())))
        .exceptionally(e -> {
          CocaineException failure = failure(fetch, e);
          if (failure.code().equals(ErrorCode.PERMISSION_DENIED)) {
            log.warn("urlfetch: refused a call from {}: {}", channel.peer(), failure.getMessage());
          }
          return Message.error(failure);
        })
        .whenComplete((m, e) -> slots.release());
    return Source.completionStage(reply);
  }

  /** Resolves the hop's host off the caller's thread and passes when {@link TargetPolicy} admits every address. */
  private CompletableFuture<Void> admit(URI target, String hop) {
    String host = target.getHost();
    try {
      return CompletableFuture.runAsync(() -> {
        InetAddress[] resolved;
        try {
          resolved = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
          throw new CocaineException(ErrorCode.IO_ERROR, "urlfetch: " + hop + " failed: host '" + host
              + "' does not resolve");
        }
        targets.check(hop, host, resolved);
      }, resolver);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(new CocaineException(ErrorCode.TRY_AGAIN, "urlfetch: "
          + settings.connectionsLimit() + " host lookups are waiting already; try again later"));
    }
  }

  private static CocaineException failure(Fetch fetch, Throwable e) {
    Throwable cause = cause(e);
    if (cause instanceof CocaineException ce) {
      return ce;
    }
    if (cause instanceof TimeoutException || cause instanceof HttpTimeoutException) {
      return new CocaineException(ErrorCode.TIMEOUT, "urlfetch: " + fetch.uri() + " did not answer within "
          + fetch.timeout().toMillis() + " ms");
    }
    return new CocaineException(ErrorCode.IO_ERROR, "urlfetch: " + fetch.uri() + " failed: " + cause);
  }

  private Fetch fetch(int method, List<Value> args) {
    String name = method == GET ? "urlfetch.get" : "urlfetch.post";
    Signature signature = method == GET ? GET_ARGS : POST_ARGS;
    int at = method == GET ? 1 : 2;
    URI uri = Fetch.uri(Values.asString(args.get(0)), () -> signature.invalid(name, args, "url must be an absolute "
        + "http:// or https:// URL"));
    byte[] body = method == POST ? Values.asBytes(args.get(1)) : null;
    if (body != null && body.length > settings.maxBodyBytes()) {
      throw new CocaineException(ErrorCode.TOO_BIG, name + ": the body is " + body.length + " bytes, over "
          + settings.maxBodyBytes() + " (cocaine.services.urlfetch.max-body-bytes)");
    }
    long timeoutMs = present(args, at) ? args.get(at).asIntegerValue().isInLongRange()
        ? args.get(at).asIntegerValue().toLong() : -1 : DEFAULT_TIMEOUT_MS;
    if (timeoutMs <= 0) {
      throw signature.invalid(name, args, "timeout must be a positive number of milliseconds");
    }
    Duration timeout = Duration.ofMillis(Math.min(timeoutMs, settings.maxTimeout().toMillis()));
    List<String[]> cookies = present(args, at + 1) ? pairs(name, signature, args, args.get(at + 1), "cookies") : List.of();
    List<String[]> headers = present(args, at + 2) ? pairs(name, signature, args, args.get(at + 2), "headers") : List.of();
    boolean follow = !present(args, at + 3) || args.get(at + 3).asBooleanValue().getBoolean();
    return new Fetch(uri, body, timeout, cookies, headers, follow, settings.maxRedirects(), settings.maxBodyBytes(),
        () -> signature.invalid(name, args, "a header is not one a client may set"));
  }

  private static boolean present(List<Value> args, int i) {
    return args.size() > i && !args.get(i).isNilValue();
  }

  private static List<String[]> pairs(String name, Signature signature, List<Value> args, Value map, String what) {
    return map.asMapValue().map().entrySet().stream().map(e -> {
      if (!e.getKey().isRawValue() || !e.getValue().isRawValue()) {
        throw signature.invalid(name, args, what + " must map strings to strings");
      }
      String k = Values.asString(e.getKey());
      String v = Values.asString(e.getValue());
      if (k.isEmpty() || k.chars().anyMatch(c -> c < 0x21 || c == ':' || c > 0x7e) || v.chars().anyMatch(c -> c == '\r' || c == '\n')) {
        throw signature.invalid(name, args, what + " has a name or value no HTTP header may carry: '" + k + "'");
      }
      return new String[] {k, v};
    }).toList();
  }
}
