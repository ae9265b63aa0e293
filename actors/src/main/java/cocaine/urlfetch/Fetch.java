package cocaine.urlfetch;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * One checked urlfetch request and how it is carried out: redirects followed by hand, so that
 * their number is bounded, each hop is admitted (its target checked) before it is sent, and
 * {@code follow_location = false} returns the 3xx itself.
 *
 * @param body null for a get
 */
record Fetch(URI uri, byte[] body, Duration timeout, List<String[]> cookies, List<String[]> headers, boolean follow,
    int maxRedirects, int maxBodyBytes, Supplier<CocaineException> badHeader) {

  /** What a fetch got: the last response's status, body and headers (several values joined by ", "). */
  record Result(int code, byte[] body, Map<String, String> headers) {}

  /** What decides whether a hop may be sent; {@code hop} names it for an error. */
  interface Admission {
    CompletableFuture<Void> admit(URI target, String hop);
  }

  /** An absolute http(s) URI, or {@code refused} for anything else. */
  static URI uri(String text, Supplier<CocaineException> refused) {
    try {
      URI uri = new URI(text);
      if (!uri.isAbsolute() || uri.getHost() == null
          || !("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))) {
        throw refused.get();
      }
      return uri;
    } catch (URISyntaxException e) {
      throw refused.get();
    }
  }

  CompletableFuture<Result> run(HttpClient client, Admission admission) {
    return step(client, admission, uri, uri.toString(), body, 0);
  }

  private CompletableFuture<Result> step(HttpClient client, Admission admission, URI target, String hop,
      byte[] payload, int redirects) {
    HttpRequest request;
    try {
      request = request(target, payload);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(badHeader.get());
    }
    return admission.admit(target, hop).thenCompose(admitted ->
        client.sendAsync(request, BoundedBody.handler(maxBodyBytes, target.toString()))).thenCompose(r -> {
      String location = r.headers().firstValue("location").orElse(null);
      if (!follow || location == null || r.statusCode() < 300 || r.statusCode() > 399 || r.statusCode() == 304) {
        return CompletableFuture.completedFuture(new Result(r.statusCode(), r.body(), headers(r)));
      }
      if (redirects >= maxRedirects) {
        return CompletableFuture.failedFuture(new CocaineException(ErrorCode.IO_ERROR, "urlfetch: " + uri
            + " still redirects after " + maxRedirects + " redirects (cocaine.services.urlfetch.max-redirects), "
            + "last to " + location));
      }
      Supplier<CocaineException> notHttp = () -> new CocaineException(ErrorCode.IO_ERROR, "urlfetch: " + target
          + " redirects to '" + location + "', which is not an http(s) URL");
      URI next;
      try {
        next = uri(target.resolve(location).toString(), notHttp);
      } catch (IllegalArgumentException e) {
        return CompletableFuture.failedFuture(notHttp.get());
      } catch (CocaineException e) {
        return CompletableFuture.failedFuture(e);
      }
      // 301-303 turn a post into a get, as browsers and curl do; 307 and 308 keep it
      byte[] nextPayload = r.statusCode() == 307 || r.statusCode() == 308 ? payload : null;
      return step(client, admission, next, next + " (a redirect from " + target + ")", nextPayload, redirects + 1);
    });
  }

  private HttpRequest request(URI target, byte[] payload) {
    HttpRequest.Builder b = HttpRequest.newBuilder(target).timeout(timeout);
    for (String[] h : headers) {
      b.header(h[0], h[1]);
    }
    if (!cookies.isEmpty()) {
      b.header("Cookie", cookies.stream().map(c -> c[0] + "=" + c[1]).collect(Collectors.joining("; ")));
    }
    return (payload == null ? b.GET() : b.POST(HttpRequest.BodyPublishers.ofByteArray(payload))).build();
  }

  private static Map<String, String> headers(HttpResponse<?> r) {
    Map<String, String> out = new TreeMap<>();
    r.headers().map().forEach((name, values) -> {
      if (!name.startsWith(":")) {
        out.put(name, String.join(", ", values));
      }
    });
    return out;
  }
}
