package cocaine.examples;

import cocaine.worker.AppLog;
import cocaine.worker.Http;
import cocaine.worker.HttpRequest;
import cocaine.worker.HttpResponse;
import cocaine.worker.Worker;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The http-echo app (HTTP convention): event {@code echo} answers 200 text/plain with the request
 * body, or with {@code "<METHOD> <uri>"} when the body is empty; {@code slow} does the same after
 * {@code ECHO_SLOW_MS} (manifest environment, default 1000), for overload tests; {@code size} answers
 * {@code "<bytes> <crc32 hex>"} of the body, read as a stream (for big-body tests); {@code version}
 * answers the manifest environment's {@code APP_VERSION} ("unversioned" without it), so a rolling
 * update can be watched; {@code health} (a plain event, the manifest's {@code "health": {"event":
 * "health"}}) answers "ok", or fails when the environment sets {@code HEALTH_FAIL=1}. Through the proxy:
 * {@code curl -d hi http://127.0.0.1:8080/http-echo/echo} prints {@code hi}.
 *
 * <p>Its own log ({@link AppLog}, source {@code app/<name>}, so {@code cocaine logs --app NAME} shows
 * it): one line when a worker starts, naming its version, host and uuid, and one per {@value
 * #LOG_EVERY} echoes a worker served; never a line per request (the proxy benchmark runs this app).
 */
public final class HttpEcho {
  /** A worker writes "served N echoes" at every LOG_EVERY-th echo. */
  static final long LOG_EVERY = 10_000;

  private HttpEcho() {}

  public static void main(String[] args) {
    Worker.serve(args, HttpEcho::register);
  }

  public static Worker register(Worker worker) {
    return register(worker, Echo.slowDelay());
  }

  /** Registers the app's events, {@code slow} with the given delay. */
  public static Worker register(Worker worker, Duration slowDelay) {
    AppLog log = AppLog.of(worker.settings());
    String version = System.getenv().getOrDefault("APP_VERSION", "unversioned");
    log.info("worker started: version " + version + " on " + host(), Map.of("version", version, "host", host(),
        "uuid", worker.settings().uuid()));
    AtomicLong echoes = new AtomicLong();
    return worker
        // an echo never waits: a request that comes whole is answered on the reader thread
        .on("echo", Http.inline((req, resp) -> {
          echo(req, resp);
          long n = echoes.incrementAndGet();
          if (n % LOG_EVERY == 0) {
            log.info("served " + n + " echoes", Map.of("echoes", n, "uuid", worker.settings().uuid()));
          }
        }))
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

  /** The host (in a container: the container's) the worker runs on, as the logs name it. */
  static String host() {
    String env = System.getenv("HOSTNAME");
    if (env != null && !env.isBlank()) {
      return env.trim();
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown";
    }
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
