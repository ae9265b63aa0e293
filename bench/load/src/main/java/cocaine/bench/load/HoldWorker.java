package cocaine.bench.load;

import cocaine.worker.Request;
import cocaine.worker.Response;
import cocaine.worker.Worker;

/**
 * The worker of the bench app {@code hold} (sessions benchmark): {@code ping} echoes each chunk
 * until the client closes, like the echo example, but the worker lets up to {@code HOLD_QUEUE}
 * invocations (default 8192) wait for its 16 handler threads instead of the framework's default
 * 1024, so that a pool of 2 workers can hold 10,000 open sessions. With {@code HOLD_TRACE} set it
 * logs each invocation (to follow a request that goes missing).
 */
final class HoldWorker {
  private HoldWorker() {}

  public static void main(String[] args) throws Exception {
    String q = System.getenv("HOLD_QUEUE");
    int queue = q == null || q.isBlank() ? 8192 : Integer.parseInt(q.trim());
    Worker worker;
    try {
      worker = Worker.create(Worker.Settings.fromArgs(args).withHandlers(16, queue));
    } catch (IllegalArgumentException e) {
      System.err.println("cannot start the worker: " + e.getMessage());
      System.exit(2);
      return;
    }
    boolean trace = System.getenv("HOLD_TRACE") != null;
    if (trace) {
      // The framework logs the frames it drops (e.g. for a channel it does not know) at DEBUG = FINE.
      java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
      root.setLevel(java.util.logging.Level.FINE);
      for (java.util.logging.Handler h : root.getHandlers()) {
        h.setLevel(java.util.logging.Level.FINE);
      }
    }
    worker.on("ping", trace ? HoldWorker::tracedEcho : HoldWorker::echo);
    System.exit(worker.run().status());
  }

  /** The echo with one stderr line per invocation start and end (HOLD_TRACE set): who got what. */
  private static void tracedEcho(Request req, Response resp) {
    System.err.println("hold: invoke on channel " + req.channel());
    int chunks = 0;
    byte[] chunk;
    while ((chunk = req.read()) != null) {
      resp.write(chunk);
      chunks++;
    }
    resp.close();
    System.err.println("hold: channel " + req.channel() + " closed by the client after " + chunks + " chunks; replied close");
  }

  private static void echo(Request req, Response resp) {
    byte[] chunk;
    while ((chunk = req.read()) != null) {
      resp.write(chunk);
    }
    resp.close();
  }
}
