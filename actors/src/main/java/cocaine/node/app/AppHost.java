package cocaine.node.app;

import cocaine.node.NodeConfig;
import cocaine.node.Publisher;
import cocaine.node.isolate.Isolate;
import cocaine.node.isolate.ProcessIsolate;
import cocaine.storage.Storage;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;

/**
 * What a node gives each of its apps: storage for manifests, profiles, archives and crashlogs,
 * the publisher of app services, the isolates that run workers, the node's settings, and an
 * executor for blocking work (unpacking, spawning, binding sockets).
 */
public record AppHost(Storage storage, Publisher publisher, Isolate.Factory isolates, NodeConfig config,
    Executor blocking) {

  /**
   * Apps run as local processes (the process isolate), blocking work on Pekko's blocking dispatcher.
   *
   * @param outputReaders see {@link ProcessIsolate#outputReaders(int)}; shut it down after the node
   */
  public static AppHost processes(ActorSystem<?> system, Storage storage, Publisher publisher, NodeConfig config,
      ExecutorService outputReaders) {
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    return new AppHost(storage, publisher, ProcessIsolate.factory(config.spoolDir(), blocking, outputReaders), config,
        blocking);
  }
}
