package cocaine.locator;

/** A TCP address as the locator sends it: textual IPv4/IPv6 (no brackets) and a port. */
public record Endpoint(String host, int port) {
  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
