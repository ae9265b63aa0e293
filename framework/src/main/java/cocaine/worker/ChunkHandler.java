package cocaine.worker;

/**
 * A handler that never waits: called on the worker's reader thread for each request chunk and at
 * the request's end, with no thread of its own. For work that takes microseconds (an echo, a lookup
 * in memory) a thread per invocation costs more than the work: the reader wakes a handler thread,
 * which wakes the writer. It must not block: while it runs, the worker reads nothing. A response
 * write waits only while 1 MiB of frames are queued for a runtime that does not read them.
 *
 * <pre>{@code
 * worker.onChunks("ping", (chunk, resp) -> resp.write(chunk));
 * }</pre>
 *
 * <p>An exception ends the invocation with the spec's uncaught-error reply, as a {@link Handler}'s does.
 */
@FunctionalInterface
public interface ChunkHandler {
  /** One request chunk, as {@link Request#read()} would return it. */
  void chunk(byte[] chunk, Response response) throws Exception;

  /** The runtime closed the request; closes the response unless overridden. */
  default void end(Response response) throws Exception {
    response.close();
  }
}
