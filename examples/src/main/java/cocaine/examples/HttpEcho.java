package cocaine.examples;

import cocaine.worker.Http;
import cocaine.worker.HttpRequest;
import cocaine.worker.HttpResponse;
import cocaine.worker.Worker;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The http-echo app (HTTP convention): event {@code echo} answers 200 text/plain with the request
 * body, or with {@code "<METHOD> <uri>"} when the body is empty; {@code slow} does the same after
 * {@code ECHO_SLOW_MS} (manifest environment, default 1000), for overload tests; {@code size} answers
 * {@code "<bytes> <crc32 hex>"} of the body, read as a stream (for big-body tests); {@code version}
 * answers the manifest environment's {@code APP_VERSION} ("unversioned" without it), so a rolling
 * update can be watched; {@code health} (a plain event, the manifest's {@code "health": {"event":
 * "health"}}) answers "ok", or fails when the environment sets {@code HEALTH_FAIL=1}. Through the proxy:
 * {@code curl -d hi http://127.0.0.1:8080/http-echo/echo} prints {@code hi}.
 */
public final class HttpEcho {
  private HttpEcho() {}

  public static void main(String[] args) {
    Worker.serve(args, HttpEcho::register);
  }

  public static Worker register(Worker worker) {
    return register(worker, Echo.slowDelay());
  }

  /** Registers the app's events, {@code slow} with the given delay. */
  public static Worker register(Worker worker, Duration slowDelay) {
    return worker
        .on("echo", Http.handler(HttpEcho::echo))
        .on("size", Http.handler(HttpEcho::size))
        .on("version", Http.handler((req, resp) -> {
          resp.status(200).header("Content-Type", "text/plain");
          resp.write(System.getenv().getOrDefault("APP_VERSION", "unversioned"));
        }))
        .on("health", (req, resp) -> {
          while (req.read() != null) {
            // a health check has no body to read
          }
          if ("1".equals(System.getenv("HEALTH_FAIL"))) {
            throw new IllegalStateException("unhealthy: HEALTH_FAIL=1 in the manifest's environment");
          }
          resp.write("ok".getBytes(java.nio.charset.StandardCharsets.UTF_8));
          resp.close();
        })
        .on("slow", Http.handler((req, resp) -> {
          // being slow is this event's whole purpose: it stands in for real work
          TimeUnit.NANOSECONDS.sleep(slowDelay.toNanos());
          echo(req, resp);
        }));
  }

  private static void size(HttpRequest req, HttpResponse resp) throws IOException {
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    long n = 0;
    byte[] buf = new byte[64 * 1024];
    try (java.io.InputStream body = req.body()) {
      for (int k = body.read(buf); k >= 0; k = body.read(buf)) {
        crc.update(buf, 0, k);
        n += k;
      }
    }
    resp.status(200).header("Content-Type", "text/plain");
    resp.write(n + " " + Long.toHexString(crc.getValue()));
  }

  private static void echo(HttpRequest req, HttpResponse resp) throws IOException {
    byte[] body = req.bodyBytes();
    resp.status(200).header("Content-Type", "text/plain");
    if (body.length > 0) {
      resp.write(body);
    } else {
      resp.write(req.method() + " " + req.uri());
    }
  }
}
