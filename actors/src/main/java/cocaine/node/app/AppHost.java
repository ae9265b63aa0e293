package cocaine.node.app;

import cocaine.node.isolate.Isolate;
import cocaine.node.isolate.ProcessIsolate;
import cocaine.node.isolate.docker.DockerNode;
import cocaine.storage.Storage;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
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
   * as each profile's {@code isolate.type} says; blocking work on Pekko's blocking dispatcher. Starts
   * removing the containers an earlier run of this node left on the default Docker daemon.
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
    Isolate.Factory process = ProcessIsolate.factory(config.spoolDir(), blocking, outputReaders, outputListener);
    DockerNode docker = DockerNode.create(config.runtimeDir(), config.maxWorkers(), blocking, outputReaders);
    docker.sweepDefault();
    Isolate.Factory containers = docker.factory();
    Isolate.Factory isolates = (app, slave, type, args, output) -> {
      if (ProcessIsolate.TYPES.contains(type)) {
        return process.create(app, slave, type, args, output);
      }
      if (DockerNode.TYPES.contains(type)) {
        return containers.create(app, slave, type, args, output);
      }
      throw new CocaineException(ErrorCode.INVALID, "profile field 'isolate.type': unsupported isolate '" + type
          + "' (this node runs: " + String.join(", ", ProcessIsolate.TYPES) + ", " + String.join(", ", DockerNode.TYPES)
          + ")");
    };
    return new AppHost(storage, publisher, isolates, config, blocking, new RunningApps());
  }
}
