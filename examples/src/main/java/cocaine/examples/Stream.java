package cocaine.examples;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.worker.HttpRequest;
import cocaine.worker.HttpResponse;
import cocaine.worker.Request;
import cocaine.worker.Response;
import cocaine.worker.Worker;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.msgpack.value.Value;

/**
 * The stream app, for streaming in both directions. Each event serves plain {@code enqueue}
 * clients and, when the first chunk is an HTTP request, the HTTP proxy (its manifest sets
 * {@code "streaming": true}, so request bodies come as chunks after the head):
 * <ul>
 *   <li>{@code count}: N from the request (raw: the first chunk's text; HTTP: the body or
 *       {@code ?n=N}), answered with N chunks {@code "1"} ... {@code "N"};</li>
 *   <li>{@code sink}: reads the whole request body chunk by chunk and answers its byte count.</li>
 * </ul>
 */
public final class Stream {
  /** A count beyond this is refused: the example should not be a way to flood the node. */
  public static final long MAX_COUNT = 1_000_000;
  private static final ErrorCode BAD_COUNT = ErrorCode.INVALID;

  private Stream() {}

  public static void main(String[] args) {
    Worker.serve(args, Stream::register);
  }

  public static Worker register(Worker worker) {
    return worker.on("count", Stream::count).on("sink", Stream::sink);
  }

  static void count(Request req, Response resp) throws IOException {
    Value first = req.readValue();
    HttpRequest http = asHttp(first, req);
    if (http == null) {
      long n;
      try {
        n = parseCount(first == null ? "" : new String(bytes(first), StandardCharsets.UTF_8));
      } catch (CocaineException e) {
        resp.error(e.code(), e.getMessage());
        return;
      }
      for (long i = 1; i <= n; i++) {
        resp.write(Long.toString(i));
      }
      resp.close();
      return;
    }
    String text = new String(http.bodyBytes(), StandardCharsets.UTF_8).trim();
    if (text.isEmpty()) {
      text = queryParam(http.query(), "n");
    }
    HttpResponse out = new HttpResponse(resp);
    long n;
    try {
      n = parseCount(text);
    } catch (CocaineException e) {
      out.status(400).header("Content-Type", "text/plain").write(e.getMessage() + "\n");
      out.close();
      return;
    }
    out.status(200).header("Content-Type", "text/plain");
    for (long i = 1; i <= n; i++) {
      out.write(i + "\n");
    }
    out.close();
  }

  static void sink(Request req, Response resp) throws IOException {
    Value first = req.readValue();
    HttpRequest http = asHttp(first, req);
    if (http == null) {
      long total = first == null ? 0 : bytes(first).length;
      byte[] chunk;
      while ((chunk = req.read()) != null) {
        total += chunk.length;
      }
      resp.write(Long.toString(total));
      resp.close();
      return;
    }
    long total = 0;
    InputStream body = http.body();
    byte[] buf = new byte[64 * 1024];
    int n;
    while ((n = body.read(buf)) >= 0) {
      total += n;
    }
    HttpResponse out = new HttpResponse(resp);
    out.status(200).header("Content-Type", "text/plain").write(Long.toString(total));
    out.close();
  }

  /** The request as HTTP when its first chunk is an HTTP head, else null (a plain enqueue). */
  private static HttpRequest asHttp(Value first, Request req) {
    if (first == null) {
      return null;
    }
    try {
      return HttpRequest.decode(first, req);
    } catch (CocaineException notHttp) {
      return null;
    }
  }

  private static byte[] bytes(Value v) {
    return v.isRawValue() ? v.asRawValue().asByteArray() : v.toJson().getBytes(StandardCharsets.UTF_8);
  }

  static long parseCount(String text) {
    try {
      long n = Long.parseLong(text.trim());
      if (n < 0 || n > MAX_COUNT) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new CocaineException(BAD_COUNT, "count expects a whole number from 0 to " + MAX_COUNT + ", got '" + text + "'");
    }
  }

  private static String queryParam(String query, String name) {
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).equals(name)) {
        return pair.substring(eq + 1);
      }
    }
    return "";
  }
}
