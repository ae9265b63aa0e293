package cocaine.examples;

import cocaine.client.ClientChannel;
import cocaine.client.Locator;
import cocaine.client.ServiceClient;
import cocaine.client.StorageClient;
import cocaine.wire.ErrorCode;
import cocaine.worker.Request;
import cocaine.worker.Response;
import cocaine.worker.Worker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The echo app: {@code ping} writes every request chunk back and closes; {@code slow} does the same
 * but waits {@code ECHO_SLOW_MS} (default 1000) before each chunk, for timeout and queue demos.
 * {@code ping} never waits, so it runs on the worker's reader thread ({@link Worker#onChunks});
 * {@code slow} blocks, so it gets a handler thread ({@link Worker#on}). {@code storage} resolves the
 * {@code storage} service at the worker's {@code --locator} and answers the size of the app's
 * stored manifest: a worker's way back to the node's services (a container's too). {@code relay}
 * calls another app's {@code ping} through the locator (see {@link #relay}).
 */
public final class Echo {
  public static final String SLOW_DELAY_ENV = "ECHO_SLOW_MS";

  private Echo() {}

  public static void main(String[] args) {
    Worker.serve(args, worker -> register(worker, slowDelay()));
  }

  /** Registers the app's events on a worker. */
  public static Worker register(Worker worker, Duration slowDelay) {
    return worker
        .onChunks("ping", (chunk, resp) -> resp.write(chunk))
        .on("slow", (req, resp) -> {
          byte[] chunk;
          while ((chunk = req.read()) != null) {
            // Being slow is this event's whole purpose: it stands in for real work.
            TimeUnit.NANOSECONDS.sleep(slowDelay.toNanos());
            resp.write(chunk);
          }
          resp.close();
        })
        .on("storage", (req, resp) -> {
          while (req.read() != null) {
            // the request's body is not used
          }
          try (Locator locator = locator(worker);
              StorageClient storage = new StorageClient(ServiceClient.connect(locator, "storage"), Duration.ofSeconds(10))) {
            byte[] manifest = storage.read("manifests", worker.settings().app());
            resp.write(("manifest of " + worker.settings().app() + ": " + manifest.length + " bytes")
                .getBytes(StandardCharsets.UTF_8));
          }
          resp.close();
        })
        .on("relay", (req, resp) -> relay(worker, req, resp));
  }

  /**
   * {@code relay}: the body names another app; it is resolved at the worker's {@code --locator}
   * (that app may run on another node: remote resolve) and its {@code ping} answers "hello from
   * APP"; that answer is written back. An app that calls another app.
   */
  static void relay(Worker worker, Request req, Response resp) {
    StringBuilder body = new StringBuilder();
    byte[] chunk;
    while ((chunk = req.read()) != null) {
      body.append(new String(chunk, StandardCharsets.UTF_8));
    }
    String target = body.toString().trim();
    if (target.isEmpty()) {
      resp.error(ErrorCode.INVALID_ARGUMENT, "relay: the body must name the app to call, got nothing");
      return;
    }
    try (Locator locator = locator(worker);
        ServiceClient app = ServiceClient.connect(locator, target)) {
      ClientChannel call = app.enqueue("ping");
      call.write(("hello from " + worker.settings().app()).getBytes(StandardCharsets.UTF_8));
      call.close();
      for (byte[] answer : call.readAll(Duration.ofSeconds(10))) {
        resp.write(answer);
      }
      resp.close();
    } catch (IOException | RuntimeException e) {
      resp.error(ErrorCode.SERVICE_NOT_AVAILABLE, "relay to '" + target + "' failed: " + e.getMessage());
    }
  }

  /** The locator of the node running this worker. */
  static Locator locator(Worker worker) throws IOException {
    if (worker.settings().locators().isEmpty()) {
      throw new IOException("this worker was started without --locator");
    }
    Locator.Endpoint at = worker.settings().locators().get(0);
    return Locator.connect(at.host(), at.port());
  }

  /** Echo as a blocking {@link cocaine.worker.Handler}, for apps whose other events block. */
  static void echo(Request req, Response resp) {
    byte[] chunk;
    while ((chunk = req.read()) != null) {
      resp.write(chunk);
    }
    resp.close();
  }

  static Duration slowDelay() {
    String ms = System.getenv(SLOW_DELAY_ENV);
    try {
      return Duration.ofMillis(ms == null || ms.isBlank() ? 1000 : Long.parseLong(ms.trim()));
    } catch (NumberFormatException e) {
      System.err.println(SLOW_DELAY_ENV + "=" + ms + " is not a number of milliseconds; using 1000");
      return Duration.ofMillis(1000);
    }
  }
}
