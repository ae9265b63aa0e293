package cocaine.gateway.ipvs;

import cocaine.gateway.Gateway;
import cocaine.gateway.VirtualPorts;
import cocaine.locator.Endpoint;
import cocaine.gateway.kernel.ChangeQueue;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The IPVS gateway (docs/protocol.md 5.4, ECOSYSTEM.md 4): per app one IPv4 TCP virtual service on the
 * balancer's address with the configured scheduler, per (node, app) one masquerading (NAT) real
 * server; programmed over generic netlink through a JNI shim. Commands run one at a time on a
 * thread of this gateway; a command the kernel refuses fails the call with the kernel's reason.
 * As in 0.12, a virtual service stays when its last real leaves; {@link #close()} deletes the
 * services this gateway made.
 */
public final class IpvsGateway implements Gateway {
  private static final Logger log = LoggerFactory.getLogger(IpvsGateway.class);

  private record Real(Inet4Address address, int port) {}

  private record Virtual(int port, Map<String, Real> reals) {}

  private final IpvsSettings settings;
  private final Ipvs ipvs;
  private final ChangeQueue worker;
  private final VirtualPorts ports;
  // confined to the worker thread
  private final Map<String, Virtual> services = new TreeMap<>();

  private IpvsGateway(IpvsSettings settings, Ipvs ipvs, ChangeQueue worker) {
    this.settings = settings;
    this.ipvs = ipvs;
    this.worker = worker;
    this.ports = new VirtualPorts(settings.ports());
  }

  /**
   * Opens the IPVS family and, when configured, flushes the table.
   *
   * @throws IllegalStateException when IPVS cannot be used here (no shim, no ip_vs module, no CAP_NET_ADMIN)
   */
  public static IpvsGateway open(IpvsSettings settings) {
    return open(settings, Ipvs.FAMILY);
  }

  static IpvsGateway open(IpvsSettings settings, String family) {
    Ipvs ipvs;
    try {
      ipvs = Ipvs.open((int) settings.timeout().toMillis(), family);
      if (settings.flushAtStart()) {
        ipvs.flush();
      }
    } catch (NetlinkException e) {
      throw new IllegalStateException("ipvs gateway cannot start: " + e.getMessage()
          + " (it needs the ip_vs kernel module and root or CAP_NET_ADMIN; cocaine.balancer.gateway = userspace works without)", e);
    }
    ChangeQueue worker = new ChangeQueue("ipvs", settings.queueLimit(), "cocaine.balancer.ipvs.queue-limit");
    log.info("gateway: IPVS ready{}; virtual services at {} ports {}..{}, scheduler {}",
        settings.flushAtStart() ? " (table flushed)" : "", settings.address().getHostAddress(), settings.ports().min(),
        settings.ports().max() - 1, settings.scheduler());
    return new IpvsGateway(settings, ipvs, worker);
  }

  @Override
  public CompletionStage<Done> addService(String name) {
    return worker.submit(() -> {
      ensure(name);
      return Done.getInstance();
    });
  }

  @Override
  public CompletionStage<Done> removeService(String name) {
    return worker.submit(() -> {
      Virtual v = services.remove(name);
      if (v != null) {
        kernel(() -> ipvs.deleteService(settings.address(), v.port()), "delete the virtual service of '" + name + "'");
        ports.release(v.port());
        log.info("gateway: app '{}' removed", name);
      }
      return Done.getInstance();
    });
  }

  @Override
  public CompletionStage<Done> addReal(String name, String node, List<Endpoint> endpoints) {
    return worker.submit(() -> {
      Real real = real(name, node, endpoints);
      Virtual v = ensure(name);
      Real old = v.reals().get(node);
      if (old != null && !old.equals(real)) {
        kernel(() -> ipvs.deleteDestination(settings.address(), v.port(), old.address(), old.port()),
            "remove the old real of node '" + node + "' from '" + name + "'");
      }
      kernel(() -> ipvs.addDestination(settings.address(), v.port(), real.address(), real.port(), settings.weight()),
          "add the real of node '" + node + "' to '" + name + "'");
      Map<String, Real> reals = new TreeMap<>(v.reals());
      reals.put(node, real);
      services.put(name, new Virtual(v.port(), reals));
      log.info("gateway: app '{}' port {} -> real of node '{}' at {}:{} ({} reals)", name, v.port(), node,
          real.address().getHostAddress(), real.port(), reals.size());
      return Done.getInstance();
    });
  }

  @Override
  public CompletionStage<Done> removeReal(String name, String node) {
    return worker.submit(() -> {
      Virtual v = services.get(name);
      Real old = v == null ? null : v.reals().get(node);
      if (old != null) {
        kernel(() -> ipvs.deleteDestination(settings.address(), v.port(), old.address(), old.port()),
            "remove the real of node '" + node + "' from '" + name + "'");
        Map<String, Real> reals = new TreeMap<>(v.reals());
        reals.remove(node);
        services.put(name, new Virtual(v.port(), reals));
        log.info("gateway: app '{}' lost the real of node '{}'; {} left", name, node, reals.size());
      }
      return Done.getInstance();
    });
  }

  @Override
  public CompletionStage<List<Endpoint>> resolve(String name) {
    return worker.submit(() -> {
      Virtual v = services.get(name);
      if (v == null || v.reals().isEmpty()) {
        throw new CocaineException(ErrorCode.SERVICE_NOT_AVAILABLE, "service '" + name + "' is not available: no node runs it now");
      }
      return List.of(new Endpoint(settings.address().getHostAddress(), v.port()));
    });
  }

  /** Deletes this gateway's virtual services; later calls fail. */
  @Override
  public CompletionStage<Done> close() {
    CompletionStage<Done> done = worker.submit(() -> {
      services.forEach((name, v) -> {
        try {
          ipvs.deleteService(settings.address(), v.port());
        } catch (NetlinkException e) {
          log.warn("gateway: cannot delete the virtual service of '{}': {}", name, e.getMessage());
        }
      });
      services.clear();
      ipvs.close();
      log.info("gateway: IPVS virtual services deleted");
      return Done.getInstance();
    });
    worker.shutdown();
    return done;
  }

  private Virtual ensure(String name) {
    Virtual v = services.get(name);
    if (v != null) {
      return v;
    }
    int port = ports.take();
    try {
      kernel(() -> ipvs.addService(settings.address(), port, settings.scheduler()),
          "create the virtual service of '" + name + "' on port " + port);
    } catch (CocaineException e) {
      ports.release(port);
      throw e;
    }
    Virtual created = new Virtual(port, Map.of());
    services.put(name, created);
    log.info("gateway: app '{}' gets virtual service {}:{}", name, settings.address().getHostAddress(), port);
    return created;
  }

  private static Real real(String name, String node, List<Endpoint> endpoints) {
    List<String> tried = new ArrayList<>();
    for (Endpoint e : endpoints) {
      try {
        for (InetAddress a : InetAddress.getAllByName(e.host())) {
          if (a instanceof Inet4Address v4) {
            return new Real(v4, e.port());
          }
        }
        tried.add(e + " (no IPv4 address)");
      } catch (UnknownHostException ex) {
        tried.add(e + " (unknown host)");
      }
    }
    throw new CocaineException(ErrorCode.INVALID_ARGUMENT, "node '" + node + "' serves '" + name + "' at " + tried
        + ": the ipvs gateway needs an IPv4 endpoint");
  }

  private static void kernel(Runnable command, String what) {
    try {
      command.run();
    } catch (NetlinkException e) {
      log.error("gateway: IPVS could not {}: {}", what, e.getMessage());
      throw new CocaineException(ErrorCode.IO_ERROR, "IPVS could not " + what + ": " + e.getMessage());
    }
  }
}
