package cocaine.cli;

import cocaine.client.Locator;
import cocaine.client.ServiceClient;
import cocaine.client.StorageClient;
import java.io.IOException;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The options every command shares: which locator to talk to, how long to wait, how to print. */
final class Target {
  @Option(names = {"-H", "--host"}, defaultValue = "localhost", description = "locator host (default: ${DEFAULT-VALUE})")
  String host;

  @Option(names = {"-P", "--port"}, defaultValue = "10053", description = "locator port (default: ${DEFAULT-VALUE})")
  int port;

  @Option(names = "--timeout", defaultValue = "20s", converter = DurationConverter.class,
      description = "how long to wait for an answer, e.g. 20s, 500ms (default: ${DEFAULT-VALUE})")
  Duration timeout;

  @Option(names = "--json", description = "print machine-readable JSON")
  boolean json;

  Locator locator() throws IOException {
    return Locator.connect(host, port);
  }

  ServiceClient service(String name) throws IOException {
    return ServiceClient.connect(host, port, name);
  }

  StorageClient storage() throws IOException {
    return new StorageClient(service("storage"), timeout);
  }
}
