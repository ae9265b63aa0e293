package cocaine.examples;

import cocaine.worker.Worker;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The echo app: {@code ping} writes every request chunk back and closes; {@code slow} does the same
 * but waits {@code ECHO_SLOW_MS} (default 1000) before each chunk, for timeout and queue demos.
 * {@code ping} never waits, so it runs on the worker's reader thread ({@link Worker#onChunks});
 * {@code slow} blocks, so it gets a handler thread ({@link Worker#on}).
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
        });
  }

  /** Echo as a blocking {@link cocaine.worker.Handler}, for apps whose other events block. */
  static void echo(cocaine.worker.Request req, cocaine.worker.Response resp) {
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
