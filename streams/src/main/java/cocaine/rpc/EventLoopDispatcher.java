package cocaine.rpc;

import com.typesafe.config.Config;
import java.util.concurrent.ThreadFactory;
import org.apache.pekko.dispatch.DispatcherPrerequisites;
import org.apache.pekko.dispatch.ExecutorServiceConfigurator;
import org.apache.pekko.dispatch.ExecutorServiceFactory;

/**
 * A Pekko executor whose threads are event loops: each runs actors and streams and, when idle,
 * waits on the sockets of the {@link Server} and {@link UnixSocketServer} connections that run on it
 * (see {@link EventLoop}). Configured on a dispatcher as
 * <pre>
 * executor = "cocaine.rpc.EventLoopDispatcher"
 * event-loop.threads = 0   # 0: one per core
 * </pre>
 * Nothing may block on such a dispatcher: a blocked loop also stops reading its sockets.
 */
public final class EventLoopDispatcher extends ExecutorServiceConfigurator {
  private final int threads;

  public EventLoopDispatcher(Config config, DispatcherPrerequisites prerequisites) {
    super(config, prerequisites);
    int configured = config.hasPath("event-loop.threads") ? config.getInt("event-loop.threads") : 0;
    if (configured < 0) {
      throw new IllegalArgumentException("event-loop.threads must be 0 (one per core) or more, got " + configured);
    }
    threads = configured == 0 ? Runtime.getRuntime().availableProcessors() : configured;
  }

  @Override
  public ExecutorServiceFactory createExecutorServiceFactory(String id, ThreadFactory threadFactory) {
    return () -> new EventLoopGroup(threads, threadFactory);
  }
}
