package cocaine.worker;

/**
 * Serves one event of an app: reads the request chunks, writes the response. Runs on the worker's
 * handler pool; a response left open when it returns is closed for it, and an exception it throws
 * becomes {@code [42, 100] <message>} unless the response was already closed.
 */
@FunctionalInterface
public interface Handler {
  void handle(Request request, Response response) throws Exception;
}
