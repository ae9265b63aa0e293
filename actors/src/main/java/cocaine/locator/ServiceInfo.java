package cocaine.locator;

import cocaine.wire.Protocol;
import cocaine.wire.Values;
import java.util.ArrayList;
import java.util.List;
import org.msgpack.value.Value;

/** What the locator knows of a published service: where it listens and what it speaks. */
public record ServiceInfo(String name, List<Endpoint> endpoints, int version, Protocol protocol) {
  public ServiceInfo {
    endpoints = List.copyOf(endpoints);
  }

  /** The same service with no endpoints: how {@code connect} announces that it went away. */
  public ServiceInfo withoutEndpoints() {
    return new ServiceInfo(name, List.of(), version, protocol);
  }

  /** Wire shape of {@code resolve}'s reply and of a {@code connect} entry: {@code [[[host, port], ...], version, graph]}. */
  public Value toValue() {
    List<Value> eps = new ArrayList<>(endpoints.size());
    for (Endpoint e : endpoints) {
      eps.add(Values.array(Values.str(e.host()), Values.integer(e.port())));
    }
    return Values.array(Values.array(eps), Values.integer(version), protocol.toValue());
  }
}
