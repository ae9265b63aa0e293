package cocaine.locator;

import cocaine.wire.Protocol;
import java.util.List;

/** What the locator knows of a published service: where it listens and what it speaks. */
public record ServiceInfo(String name, List<Endpoint> endpoints, int version, Protocol protocol) {
  public ServiceInfo {
    endpoints = List.copyOf(endpoints);
  }
}
