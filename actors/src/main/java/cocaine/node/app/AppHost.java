package cocaine.node.app;

import cocaine.node.isolate.Isolate;
import cocaine.node.isolate.ProcessIsolate;
import cocaine.node.isolate.SideBySide;
import cocaine.storage.Storage;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;

/**
 * What a node gives each of its apps: storage for manifests, profiles, archives and crashlogs,
 * the publisher of app services, the isolates that run workers, the node's settings, an
 * executor for blocking work (unpacking, spawning, binding sockets), and the registry of running
 * apps' services the node service serves {@code enqueue} through.
 */
public record AppHost(Storage storage, Publisher publisher, Isolate.Factory isolates, NodeConfig config,
    Executor blocking, RunningApps running) {

  /**
   * Apps run as local processes (the process isolate) or in Docker containers (the docker isolate),
   * as each profile's {@code isolate.type} says; blocking work on Pekko's blocking dispatcher. Removes
   * the side-by-side spool folders ({@link SideBySide}) and starts removing the containers an earlier
   * run of this node left on the default Docker daemon.
   *
   * @param outputReaders see {@link ProcessIsolate#outputReaders(int)}; shut it down after the node
   */
  public static AppHost processes(ActorSystem<?> system, Storage storage, Publisher publisher, NodeConfig config,
      ExecutorService outputReaders) {
    return processes(system, storage, publisher, config, outputReaders, Isolate.OutputListener.NONE);
  }

  /** Like the other {@code processes}; every line a process worker prints also goes to {@code outputListener}. */
  public static AppHost processes(ActorSystem<?> system, Storage storage, Publisher publisher, NodeConfig config,
      ExecutorService outputReaders, Isolate.OutputListener outputListener) {
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    SideBySide.sweep(config.spoolDir()); // before any app spools: no generation uses one yet
    Isolate.Factory isolates = NodeIsolates.create(system.settings().config(), config, blocking, outputReaders,
        outputListener);
    return new AppHost(storage, publisher, isolates, config, blocking, new RunningApps());
  }
}
