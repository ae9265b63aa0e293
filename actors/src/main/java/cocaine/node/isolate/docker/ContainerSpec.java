package cocaine.node.isolate.docker;

import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What one worker's container runs and may use, made from the profile's args and the worker's argv
 * without asking the daemon: the command, the slave with the argv whose {@code --endpoint} is moved to
 * where the node's socket folder is mounted; and the host config: the socket folder and the profile's
 * volumes bound, the network, the memory and CPU limits, no capability but those the profile names, and
 * {@code no-new-privileges}. The options are the ones {@link DockerPolicy} let through.
 */
record ContainerSpec(List<String> cmd, HostConfig host) {

  /**
   * @param exe  the slave's path inside the image
   * @param args the worker's argv ({@code --key value}, in key order); {@code endpoint} is its socket on the node
   * @throws IllegalArgumentException when the argv's endpoint is not a socket path
   */
  static ContainerSpec of(DockerOptions options, String exe, SortedMap<String, String> args) {
    Path endpoint = Path.of(args.getOrDefault("endpoint", ""));
    if (endpoint.getParent() == null || endpoint.getFileName() == null) {
      throw new IllegalArgumentException("the worker's --endpoint is not a socket path: " + endpoint);
    }
    // the worker sees the node's socket folder at runtime-path
    TreeMap<String, String> argv = new TreeMap<>(args);
    argv.put("endpoint", options.runtimePath().replaceAll("/+$", "") + "/" + endpoint.getFileName());
    List<String> cmd = new ArrayList<>();
    cmd.add(exe);
    argv.forEach((k, v) -> {
      cmd.add("--" + k);
      cmd.add(v);
    });
    List<Bind> binds = new ArrayList<>();
    binds.add(new Bind(endpoint.getParent().toString(), new Volume(options.runtimePath())));
    binds.addAll(options.volumes());
    HostConfig host = HostConfig.newHostConfig()
        .withBinds(binds)
        .withNetworkMode(options.networkMode());
    if (options.memoryLimit() > 0) {
      host.withMemory(options.memoryLimit());
    }
    if (options.memorySwap() != 0) {
      host.withMemorySwap(options.memorySwap());
    }
    if (options.cpuShares() > 0) {
      host.withCpuShares((int) Math.min(Integer.MAX_VALUE, options.cpuShares()));
    }
    // a worker gets no capability but those its profile names (isolate.args.capabilities)
    host.withCapDrop(Capability.ALL);
    // no setuid binary or file capability in the image raises a worker above what it starts with
    host.withSecurityOpts(List.of("no-new-privileges"));
    if (!options.capabilities().isEmpty()) {
      host.withCapAdd(options.capabilities().toArray(Capability[]::new));
    }
    return new ContainerSpec(cmd, host);
  }
}
