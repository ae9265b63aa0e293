package cocaine.cluster.metalocator;

import cocaine.locator.Endpoint;
import cocaine.locator.Locator;
import cocaine.locator.ServiceInfo;
import cocaine.wire.Graph;
import cocaine.wire.Header;
import cocaine.wire.Message;
import cocaine.wire.Protocol;
import cocaine.wire.Values;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.msgpack.value.Value;

/**
 * One {@code write} of a node's {@code connect} stream (docs/protocol.md 5.3):
 * {@code [node_uuid, {service: [endpoints, version, graph]}]} with the node's locator extras in
 * the {@code x-cocaine-locator-extra} header. An entry with no endpoints is a withdrawn service.
 */
record ConnectWrite(String uuid, Map<String, ServiceInfo> services, Map<String, Object> extra) {
  /** Extra key naming the cluster a node belongs to; gateways skip nodes of other clusters. */
  static final String CLUSTER_KEY = "x-cocaine-cluster";

  ConnectWrite {
    services = Map.copyOf(services);
    extra = Map.copyOf(extra);
  }

  /** The node's cluster name, "" when it sets none. */
  String cluster() {
    Object c = extra.get(CLUSTER_KEY);
    return c == null ? "" : c.toString();
  }

  /** @throws IllegalArgumentException saying what is wrong with the write */
  static ConnectWrite parse(Message write) {
    List<Value> args = write.args();
    if (args.size() != 2 || !args.get(0).isRawValue() || !args.get(1).isMapValue()) {
      throw new IllegalArgumentException("expected write [uuid: str, {service: [endpoints, version, graph]}], got " + args);
    }
    Map<String, ServiceInfo> services = new TreeMap<>();
    for (Map.Entry<Value, Value> e : args.get(1).asMapValue().entrySet()) {
      if (!e.getKey().isRawValue()) {
        throw new IllegalArgumentException("service names must be strings, got " + e.getKey());
      }
      String name = Values.asString(e.getKey());
      services.put(name, service(name, e.getValue()));
    }
    return new ConnectWrite(Values.asString(args.get(0)), services, extra(write.headers()));
  }

  private static ServiceInfo service(String name, Value v) {
    List<Value> parts = v.isArrayValue() ? v.asArrayValue().list() : List.of();
    if (parts.size() != 3 || !parts.get(0).isArrayValue() || !parts.get(1).isIntegerValue() || !parts.get(2).isMapValue()) {
      throw new IllegalArgumentException("service '" + name + "': expected [endpoints, version, graph], got " + v);
    }
    List<Endpoint> endpoints = new java.util.ArrayList<>();
    for (Value ep : parts.get(0).asArrayValue()) {
      List<Value> hp = ep.isArrayValue() ? ep.asArrayValue().list() : List.of();
      if (hp.size() != 2 || !hp.get(0).isRawValue() || !hp.get(1).isIntegerValue()
          || !hp.get(1).asIntegerValue().isInIntRange() || hp.get(1).asIntegerValue().toInt() < 0
          || hp.get(1).asIntegerValue().toInt() > 65535) {
        throw new IllegalArgumentException("service '" + name + "': endpoints must be [host: str, port: 0..65535], got " + ep);
      }
      endpoints.add(new Endpoint(Values.asString(hp.get(0)), hp.get(1).asIntegerValue().toInt()));
    }
    if (!parts.get(1).asIntegerValue().isInIntRange()) {
      throw new IllegalArgumentException("service '" + name + "': version out of range: " + parts.get(1));
    }
    return new ServiceInfo(name, endpoints, parts.get(1).asIntegerValue().toInt(), protocol(name, parts.get(2)));
  }

  /** A root protocol from {@code {id: [name, dispatch, upstream]}}. */
  private static Protocol protocol(String service, Value root) {
    Protocol.Builder protocol = Protocol.builder();
    for (Map.Entry<Value, Value> e : root.asMapValue().entrySet()) {
      List<Value> m = e.getValue().isArrayValue() ? e.getValue().asArrayValue().list() : List.of();
      if (!e.getKey().isIntegerValue() || m.size() != 3 || !m.get(0).isRawValue()) {
        throw new IllegalArgumentException("service '" + service + "': graph entries must be {id: [name, dispatch, upstream]}, got "
            + e.getKey() + ": " + e.getValue());
      }
      protocol.method(e.getKey().asIntegerValue().asInt(), Values.asString(m.get(0)), graph(service, m.get(1)),
          graph(service, m.get(2)));
    }
    return protocol.build();
  }

  private static Graph graph(String service, Value v) {
    if (v.isNilValue()) {
      return Graph.RECURSIVE;
    }
    if (!v.isMapValue()) {
      throw new IllegalArgumentException("service '" + service + "': a graph must be nil or a map, got " + v);
    }
    if (v.asMapValue().size() == 0) {
      return Graph.TERMINAL;
    }
    Graph.Builder graph = Graph.builder();
    for (Map.Entry<Value, Value> e : v.asMapValue().entrySet()) {
      List<Value> edge = e.getValue().isArrayValue() ? e.getValue().asArrayValue().list() : List.of();
      if (!e.getKey().isIntegerValue() || edge.size() != 2 || !edge.get(0).isRawValue()) {
        throw new IllegalArgumentException("service '" + service + "': graph edges must be {id: [name, next]}, got "
            + e.getKey() + ": " + e.getValue());
      }
      graph.edge(e.getKey().asIntegerValue().asInt(), Values.asString(edge.get(0)), graph(service, edge.get(1)));
    }
    return graph.build();
  }

  /** The header's msgpack map; absent or unreadable = empty (an old node sends none). */
  private static Map<String, Object> extra(List<Header> headers) {
    Optional<Header> h = Header.find(headers, Locator.EXTRA_HEADER);
    if (h.isEmpty()) {
      return Map.of();
    }
    try {
      Object decoded = Values.toJava(Values.unpack(h.get().value()));
      if (decoded instanceof Map<?, ?> map) {
        Map<String, Object> out = new TreeMap<>();
        map.forEach((k, val) -> {
          if (val != null) {
            out.put(String.valueOf(k), val);
          }
        });
        return out;
      }
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("header " + Locator.EXTRA_HEADER + " is not a msgpack map: " + e.getMessage());
    }
    throw new IllegalArgumentException("header " + Locator.EXTRA_HEADER + " is not a msgpack map");
  }
}
