package cocaine.it;

import cocaine.client.ClientChannel;
import cocaine.client.Connection;
import cocaine.client.Locator;
import cocaine.client.ServiceClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A client run in the client's network namespace ({@code ip netns exec PREFIX-cl java ...}):
 * resolves an app at the balancer's locator and sends {@code ping} on N connections to the
 * virtual endpoint it got, all open at once (so a least-connections gateway must spread them).
 * Prints {@code endpoint HOST:PORT} and {@code ok N}; exits 1 with the cause on the first failure.
 *
 * <p>Usage: {@code VirtualEndpointClient LOCATOR_HOST LOCATOR_PORT APP CONNECTIONS}
 */
public final class VirtualEndpointClient {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  private VirtualEndpointClient() {}

  public static void main(String[] args) {
    try {
      Locator.Resolved resolved;
      try (Locator locator = Locator.connect(args[0], Integer.parseInt(args[1]))) {
        resolved = locator.resolve(args[2]);
      }
      System.out.println("endpoint " + resolved.endpoints().get(0).host() + ":" + resolved.endpoints().get(0).port());
      int n = Integer.parseInt(args[3]);
      List<ServiceClient> clients = new ArrayList<>();
      try {
        for (int i = 0; i < n; i++) {
          clients.add(ServiceClient.connect(resolved, Connection.Settings.DEFAULT));
        }
        List<ClientChannel> channels = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          ClientChannel ch = clients.get(i).enqueue("ping");
          ch.write(("hello-" + i).getBytes(StandardCharsets.UTF_8));
          ch.close();
          channels.add(ch);
        }
        for (int i = 0; i < n; i++) {
          String reply = new String(channels.get(i).readAll(TIMEOUT).get(0), StandardCharsets.UTF_8);
          if (!reply.equals("hello-" + i)) {
            throw new IllegalStateException("connection " + i + " got '" + reply + "' instead of 'hello-" + i + "'");
          }
        }
      } finally {
        clients.forEach(ServiceClient::close);
      }
      System.out.println("ok " + n);
      System.exit(0);
    } catch (Exception | AssertionError e) {
      System.out.println("failed: " + e);
      System.exit(1);
    }
  }
}
