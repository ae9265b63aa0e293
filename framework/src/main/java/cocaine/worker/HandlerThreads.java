package cocaine.worker;

import static cocaine.worker.Worker.LOG;

import cocaine.wire.ErrorCode;
import cocaine.wire.Message;
import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The threads of the blocking {@link Handler}s: one invocation each, {@code handlerQueue} more
 * waiting for one; an invocation beyond that is refused at once with {@code QUEUE_IS_FULL}.
 */
final class HandlerThreads {
  private final Worker.Settings settings;
  private final Pipe pipe;
  private final Map<Long, Object> sessions;
  private final ThreadPoolExecutor pool;

  /** {@code sessions} holds each invocation's {@link Request}; a refused one is removed from it. */
  HandlerThreads(Worker.Settings settings, Pipe pipe, Map<Long, Object> sessions) {
    this.settings = settings;
    this.pipe = pipe;
    this.sessions = sessions;
    this.pool = new ThreadPoolExecutor(settings.handlerThreads(), settings.handlerThreads(), 60, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(settings.handlerQueue()), Worker.daemon("cocaine-handler"));
  }

  /** Reader thread: runs {@code handler} on a handler thread, or refuses the invocation. */
  void start(Handler handler, Request request, Response response) {
    long ch = request.channel();
    String event = request.event();
    try {
      pool.execute(() -> serve(handler, request, response));
    } catch (RejectedExecutionException e) {
      sessions.remove(ch);
      LOG.log(Level.WARNING, "refusing event ''{0}'' on channel {1}: all {2} handler threads busy and {3} waiting",
          event, ch, settings.handlerThreads(), settings.handlerQueue());
      pipe.sendQuietly(ch, Message.error(ErrorCode.QUEUE_IS_FULL, "worker " + settings.uuid() + " is busy: all "
          + settings.handlerThreads() + " handler threads are running and " + settings.handlerQueue()
          + " invocations wait; lower the profile's concurrency or give the worker more handler threads"));
    }
  }

  /** Interrupts the running handlers and drops the waiting ones. */
  void stop() {
    pool.shutdownNow();
  }

  /** Runs one invocation on the calling thread: the handler, close if left open, its failure as the spec's error. */
  static void serve(Handler handler, Request request, Response response) {
    try {
      handler.handle(request, response);
      if (!response.isClosed()) {
        response.close();
      }
    } catch (Throwable t) {
      response.handlerFailed(request.event(), t);
      if (t instanceof VirtualMachineError vme) {
        throw vme;
      }
    } finally {
      request.abandon();
    }
  }
}
