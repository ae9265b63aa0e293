package cocaine.gateway.nftables;

import cocaine.gateway.Gateway;
import cocaine.gateway.VirtualPorts;
import cocaine.locator.Endpoint;
import cocaine.gateway.kernel.ChangeQueue;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.io.IOException;
import java.io.File;
import java.io.InputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nftables gateway: a table {@code ip cocaine} of its own whose rules DNAT each app's virtual
 * port to the app's reals ({@link Ruleset}). Every change re-renders the table and applies it in
 * one {@code nft -f -} transaction, so the kernel never sees half a change and leftovers of a
 * crashed run are replaced at start; {@link #close()} deletes the table. A change nft refuses
 * leaves the table as it was and fails the call with nft's message. Changes are applied one at a
 * time on a thread of this gateway; at most {@code queue-limit} may wait.
 */
public final class NftablesGateway implements Gateway {
  private static final Logger log = LoggerFactory.getLogger(NftablesGateway.class);
  private static final ErrorCode NOT_AVAILABLE = ErrorCode.SERVICE_NOT_AVAILABLE;

  private final NftablesSettings settings;
  private final ChangeQueue worker;
  private final VirtualPorts ports;
  // confined to the worker thread
  private final Map<String, Ruleset.Virtual> services = new TreeMap<>();

  private NftablesGateway(NftablesSettings settings, ChangeQueue worker) {
    this.settings = settings;
    this.worker = worker;
    this.ports = new VirtualPorts(settings.ports());
  }

  /**
   * Installs the (empty) table, replacing any leftover.
   *
   * @throws IllegalStateException when nft cannot be run or refuses (missing package, no CAP_NET_ADMIN)
   */
  public static NftablesGateway open(NftablesSettings settings) {
    ChangeQueue worker = new ChangeQueue("nftables", settings.queueLimit(), "cocaine.balancer.nftables.queue-limit");
    NftablesGateway g = new NftablesGateway(settings, worker);
    try {
      g.apply(Ruleset.render(settings.address(), Map.of(), settings.masquerade()));
    } catch (CocaineException e) {
      worker.shutdown();
      throw new IllegalStateException("nftables gateway cannot start: " + e.getMessage()
          + " (it needs the nftables package and root or CAP_NET_ADMIN; cocaine.balancer.gateway = userspace works without)", e);
    }
    log.info("gateway: nftables table ip {} installed via {}; virtual services at {} ports {}..{}", Ruleset.TABLE,
        settings.command(), settings.address().orElse("every address"), settings.ports().min(), settings.ports().max() - 1);
    return g;
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
      Ruleset.Virtual v = services.get(name);
      if (v != null) {
        Map<String, Ruleset.Virtual> next = new TreeMap<>(services);
        next.remove(name);
        commit(next);
        ports.release(v.port());
        log.info("gateway: app '{}' removed", name);
      }
      return Done.getInstance();
    });
  }

  @Override
  public CompletionStage<Done> addReal(String name, String node, List<Endpoint> endpoints) {
    return worker.submit(() -> {
      Ruleset.Real real = real(name, node, endpoints);
      Ruleset.Virtual v = ensure(name);
      Map<String, Ruleset.Real> reals = new TreeMap<>(v.reals());
      reals.put(node, real);
      Map<String, Ruleset.Virtual> next = new TreeMap<>(services);
      next.put(name, new Ruleset.Virtual(v.port(), reals));
      commit(next);
      log.info("gateway: app '{}' port {} -> real of node '{}' at {}:{} ({} reals)", name, v.port(), node, real.address(),
          real.port(), reals.size());
      return Done.getInstance();
    });
  }

  @Override
  public CompletionStage<Done> removeReal(String name, String node) {
    return worker.submit(() -> {
      Ruleset.Virtual v = services.get(name);
      if (v != null && v.reals().containsKey(node)) {
        Map<String, Ruleset.Real> reals = new TreeMap<>(v.reals());
        reals.remove(node);
        Map<String, Ruleset.Virtual> next = new TreeMap<>(services);
        next.put(name, new Ruleset.Virtual(v.port(), reals));
        commit(next);
        log.info("gateway: app '{}' lost the real of node '{}'; {} left", name, node, reals.size());
      }
      return Done.getInstance();
    });
  }

  @Override
  public CompletionStage<List<Endpoint>> resolve(String name) {
    return worker.submit(() -> {
      Ruleset.Virtual v = services.get(name);
      if (v == null || v.reals().isEmpty()) {
        throw new CocaineException(NOT_AVAILABLE, "service '" + name + "' is not available: no node runs it now");
      }
      return List.of(new Endpoint(settings.advertisedHost(), v.port()));
    });
  }

  /** Deletes the table; later calls fail. */
  @Override
  public CompletionStage<Done> close() {
    CompletionStage<Done> done = worker.submit(() -> {
      apply(Ruleset.delete());
      services.clear();
      log.info("gateway: nftables table ip {} deleted", Ruleset.TABLE);
      return Done.getInstance();
    });
    worker.shutdown();
    return done;
  }

  private Ruleset.Virtual ensure(String name) {
    Ruleset.Virtual v = services.get(name);
    if (v != null) {
      return v;
    }
    int port = ports.take();
    Ruleset.Virtual created = new Ruleset.Virtual(port, Map.of());
    services.put(name, created); // no rule until it has a real: nothing to apply yet
    log.info("gateway: app '{}' gets virtual port {}", name, port);
    return created;
  }

  private Ruleset.Real real(String name, String node, List<Endpoint> endpoints) {
    List<String> tried = new ArrayList<>();
    for (Endpoint e : endpoints) {
      try {
        for (InetAddress a : InetAddress.getAllByName(e.host())) {
          if (a instanceof Inet4Address) {
            return new Ruleset.Real(a.getHostAddress(), e.port(), 1);
          }
        }
        tried.add(e + " (no IPv4 address)");
      } catch (UnknownHostException ex) {
        tried.add(e + " (unknown host)");
      }
    }
    throw new CocaineException(ErrorCode.INVALID_ARGUMENT, "node '" + node + "' serves '" + name + "' at " + tried
        + ": the nftables gateway needs an IPv4 endpoint");
  }

  /** Applies the table for {@code next} and, once the kernel took it, makes it the current state. */
  private void commit(Map<String, Ruleset.Virtual> next) {
    apply(Ruleset.render(settings.address(), next, settings.masquerade()));
    services.clear();
    services.putAll(next);
  }

  /**
   * Runs {@code nft -f FILE} with the script and nft's output in files, not pipes: an nft that hangs
   * is killed after the timeout instead of blocking the gateway's thread on a read or a write.
   */
  private void apply(String script) {
    List<String> cmd = new ArrayList<>(settings.command());
    Path in = null;
    Path out = null;
    Process p = null;
    try {
      in = Files.createTempFile("cocaine-nft-", ".nft");
      out = Files.createTempFile("cocaine-nft-", ".out");
      Files.writeString(in, script, StandardCharsets.UTF_8);
      cmd.addAll(List.of("-f", in.toString()));
      p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
      if (!p.waitFor(settings.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new CocaineException(ErrorCode.IO_ERROR, String.join(" ", cmd) + " did not finish within " + settings.timeout());
      }
      if (p.exitValue() != 0) {
        // nft prints little (errors only); the first 64 KiB say what went wrong
        String text = head(out, 64 * 1024);
        log.error("gateway: nft refused the table (exit {}): {}\n{}", p.exitValue(), text, script);
        throw new CocaineException(ErrorCode.IO_ERROR, "nft refused the change (exit " + p.exitValue() + "): " + text);
      }
    } catch (IOException e) {
      if (p != null) {
        p.destroyForcibly();
      }
      throw new CocaineException(ErrorCode.IO_ERROR, "cannot run " + String.join(" ", cmd) + ": " + e.getMessage());
    } catch (InterruptedException e) {
      if (p != null) {
        p.destroyForcibly();
      }
      Thread.currentThread().interrupt();
      throw new CocaineException(ErrorCode.IO_ERROR, "interrupted while running nft");
    } finally {
      delete(in);
      delete(out);
    }
  }

  private static String head(Path file, int limit) throws IOException {
    try (InputStream s = Files.newInputStream(file)) {
      return new String(s.readNBytes(limit), StandardCharsets.UTF_8).strip();
    }
  }

  private static void delete(Path file) {
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        log.warn("gateway: cannot delete {}: {}", file, e.getMessage());
      }
    }
  }
}
