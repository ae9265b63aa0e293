package cocaine.node.app;

import cocaine.node.isolate.Isolate;
import cocaine.node.isolate.ProcessIsolate;
import cocaine.node.isolate.ProcessPolicy;
import cocaine.node.isolate.docker.DockerNode;
import cocaine.node.isolate.docker.DockerPolicy;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import com.typesafe.config.Config;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;

/**
 * The isolates a node runs its apps in, process or docker as each profile's {@code isolate.type} says,
 * both under the operator's policy from {@code cocaine.isolate} (docs/security.md, Isolation): what a
 * profile may ask for beyond its own folder, its own socket and an unprivileged container is the
 * runtime's config to allow, never the profile's.
 */
public final class NodeIsolates {
  private NodeIsolates() {}

  /**
   * Makes the factory and starts removing the containers an earlier run of this node left on the
   * default Docker daemon.
   *
   * @param config the runtime's config, with {@code cocaine.isolate}
   * @param node where the node keeps sockets and spools archives, and its worker bound
   * @param blocking runs unpacking, spawning and the Docker calls
   * @param outputReaders see {@link ProcessIsolate#outputReaders(int)}
   * @param listener hears every line a process worker prints
   * @throws cocaine.config.SettingsException naming the key when {@code cocaine.isolate} is unusable
   */
  public static Isolate.Factory create(Config config, NodeConfig node, Executor blocking, ExecutorService outputReaders,
      Isolate.OutputListener listener) {
    Isolate.Factory process = ProcessIsolate.factory(ProcessPolicy.from(config, node.spoolDir()), blocking,
        outputReaders, listener);
    DockerNode docker = DockerNode.create(node.runtimeDir(), DockerPolicy.from(config), node.maxWorkers(), blocking,
        outputReaders);
    docker.sweepDefault();
    Isolate.Factory containers = docker.factory();
    return (app, slave, type, args, output) -> {
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
  }
}
