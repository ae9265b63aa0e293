package cocaine.cli;

import cocaine.client.Locator;
import cocaine.client.ServiceClient;
import cocaine.client.StorageClient;
import cocaine.deploy.CallerToken;
import cocaine.wire.Header;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Option;

/** The options every command shares: which locator to talk to, how long to wait, how to print. */
final class Target {
  // defaults: $COCAINE_HOST/$COCAINE_PORT, else locator.host/port of ~/.cocaine/tools.yml (ToolsConfig), else these
  @Option(names = {"-H", "--host"}, defaultValue = "localhost", description = "locator host (default: ${DEFAULT-VALUE})")
  String host;

  @Option(names = {"-P", "--port"}, defaultValue = "10053", description = "locator port (default: ${DEFAULT-VALUE})")
  int port;

  @Option(names = "--timeout", defaultValue = "20s", converter = DurationConverter.class,
      description = "how long to wait for an answer, e.g. 20s, 500ms (default: ${DEFAULT-VALUE})")
  Duration timeout;

  @Option(names = "--json", fallbackValue = "true", description = "print JSON for scripts instead of tables (bin/cocaine-tool always does)")
  boolean json;

  // picocli prints no default for these: the token must not show in --help or in error output
  @Option(names = "--token", defaultValue = "${env:COCAINE_TOKEN}", arity = "1",
      description = "access token sent with changes (upload, deploy, remove, start, stop, refresh, ...) and with "
          + "reads of the platform's data (app, profile, runlist, group and crashlog views); default: $COCAINE_TOKEN. "
          + "Prefer the variable or --token-file: a command line is visible to other users")
  String token;

  @Option(names = "--token-file", defaultValue = "${env:COCAINE_TOKEN_FILE}",
      description = "file whose first line is the access token; default: $COCAINE_TOKEN_FILE")
  Path tokenFile;

  /** The {@code authorization} header for the calls that need it, or none when no token is given. */
  List<Header> authorization() throws IOException {
    return callerToken().headers();
  }

  /**
   * {@code --token} (or {@code $COCAINE_TOKEN}), else the first line of {@code --token-file} (or
   * {@code $COCAINE_TOKEN_FILE}), else {@code secure.token} of {@code ~/.cocaine/tools.yml}, else none.
   */
  CallerToken callerToken() throws IOException {
    if ((token == null || token.isBlank()) && tokenFile != null) {
      try {
        return CallerToken.fromFile(tokenFile);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--token-file " + e.getMessage(), e);
      }
    }
    if (token == null || token.isBlank()) {
      return ToolsConfig.load(System.getenv()).callerToken();
    }
    return CallerToken.of(token);
  }

  Locator locator() throws IOException {
    return Locator.connect(host, port);
  }

  ServiceClient service(String name) throws IOException {
    return ServiceClient.connect(host, port, name);
  }

  /** The storage service; every call carries the token, when one is given. */
  StorageClient storage() throws IOException {
    List<Header> auth = authorization();
    return new StorageClient(service("storage"), timeout, auth);
  }
}
