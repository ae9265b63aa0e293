package cocaine.cluster.zookeeper;

import cocaine.cluster.Announce;
import cocaine.config.ZookeeperSettings;
import cocaine.locator.Endpoint;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.CreateMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Discovery through ZooKeeper ({@code cocaine.locator.cluster.type = zookeeper}): a node keeps an
 * ephemeral znode {@code <path>/<uuid>} holding its announce (the multicast datagram's msgpack, uuid
 * and locator endpoints), re-created after a lost session; a balancer watches the children of
 * {@code path} and is told at once of each node that registers, changes or goes (its znode gone:
 * the node stopped, or its session expired).
 */
public final class NodeRegistry implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NodeRegistry.class);

  /** What a watching balancer is told. */
  public interface Listener {
    void registered(Announce announce);

    void gone(String uuid);
  }

  private final CuratorFramework client;
  private final AutoCloseable held;

  private NodeRegistry(CuratorFramework client, AutoCloseable held) {
    this.client = client;
    this.held = held;
  }

  private static CuratorFramework connect(ZookeeperSettings zk, Duration connectionTimeout) {
    CuratorFramework client = CuratorFrameworkFactory.builder()
        .connectString(zk.connect())
        .sessionTimeoutMs((int) zk.sessionTimeout().toMillis())
        .connectionTimeoutMs((int) connectionTimeout.toMillis())
        .retryPolicy(new ExponentialBackoffRetry(200, 10, 5_000))
        .build();
    client.start();
    return client;
  }

  /**
   * Registers this node under {@code path} (in the background: an unreachable ZooKeeper delays it,
   * logged by Curator, and the node registers once it is back).
   */
  public static NodeRegistry register(ZookeeperSettings zk, Duration connectionTimeout, String path, String uuid,
      List<Endpoint> endpoints) {
    CuratorFramework client = connect(zk, connectionTimeout);
    PersistentNode node = new PersistentNode(client, CreateMode.EPHEMERAL, false, ZKPaths.makePath(path, uuid),
        new Announce(uuid, endpoints).encode());
    node.start();
    log.info("cluster: node '{}' registers at {} on ZooKeeper {} with {}", uuid, ZKPaths.makePath(path, uuid),
        zk.connect(), endpoints);
    return new NodeRegistry(client, node);
  }

  /** Watches the nodes registered under {@code path}; {@code listener} is called on Curator's thread. */
  public static NodeRegistry watch(ZookeeperSettings zk, Duration connectionTimeout, String path, Listener listener) {
    CuratorFramework client = connect(zk, connectionTimeout);
    CuratorCache cache = CuratorCache.build(client, path);
    Consumer<ChildData> heard = child -> {
      Announce a = decode(path, child);
      if (a != null) {
        listener.registered(a);
      }
    };
    cache.listenable().addListener(CuratorCacheListener.builder()
        .forCreatesAndChanges((before, now) -> heard.accept(now))
        .forDeletes(child -> {
          if (!child.getPath().equals(path)) {
            listener.gone(ZKPaths.getNodeFromPath(child.getPath()));
          }
        })
        .build());
    cache.start();
    log.info("cluster: watching the nodes registered at {} on ZooKeeper {}", path, zk.connect());
    return new NodeRegistry(client, cache);
  }

  /** The announce in a child's data, or null (the parent itself, or a child that is not one: logged). */
  private static Announce decode(String path, ChildData child) {
    if (child.getPath().equals(path)) {
      return null;
    }
    byte[] data = child.getData() == null ? new byte[0] : child.getData();
    String uuid = ZKPaths.getNodeFromPath(child.getPath());
    try {
      Announce a = Announce.decode(data, data.length);
      if (a.uuid().equals(uuid)) {
        return a;
      }
      log.warn("cluster: registration {} ignored: it names uuid '{}'", child.getPath(), a.uuid());
    } catch (IllegalArgumentException e) { // a malformed announce
      log.warn("cluster: registration {} ignored: {}", child.getPath(), e.getMessage());
    }
    return null;
  }

  @Override
  public void close() throws IOException {
    try {
      held.close();
    } catch (Exception e) {
      log.warn("cluster: closing the ZooKeeper registration: {}", e.toString());
    } finally {
      client.close();
    }
  }
}
