package cocaine.rpc.service;

import cocaine.client.Connection;
import cocaine.client.Locator;
import cocaine.client.ServiceClient;
import cocaine.rpc.transport.ConnectionSettings;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Tcp;

/**
 * A service served by the real transport on an ephemeral port, for tests that call it with the
 * Java client (as if resolved at a locator) or with raw frames ({@code WireClient} on {@link #port()}).
 */
public final class Served implements AutoCloseable {
  private final Service service;
  private final Tcp.ServerBinding binding;

  private Served(Service service, Tcp.ServerBinding binding) {
    this.service = service;
    this.binding = binding;
  }

  public static Served bind(ActorSystem<?> system, Service service) throws Exception {
    return new Served(service, Server.bind(system, "127.0.0.1", 0, service, ConnectionSettings.DEFAULTS)
        .toCompletableFuture().get(10, TimeUnit.SECONDS));
  }

  public int port() {
    return binding.localAddress().getPort();
  }

  /** A Java client of the service, with the protocol a resolve would have given it. */
  public ServiceClient client() throws IOException {
    Map<Integer, String> methods = new TreeMap<>();
    service.protocol().methods().forEach((id, m) -> methods.put(id, m.name()));
    return ServiceClient.connect(new Locator.Resolved(service.name(), List.of(new Locator.Endpoint("127.0.0.1", port())),
        service.version(), methods, service.protocol().toValue()), Connection.Settings.DEFAULT);
  }

  @Override
  public void close() throws Exception {
    binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
