package cocaine.wire;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.msgpack.value.Value;
import org.msgpack.value.ValueFactory;

/**
 * A service's root protocol: the messages a client may open a channel with, each with its dispatch
 * (what the client may send next) and upstream (what the service sends back) graphs. Its wire shape
 * is what {@code locator.resolve} returns (docs/protocol.md 2.2).
 */
public final class Protocol {
  /**
   * One root message. {@code dispatch} is {@link Graph#RECURSIVE} to stay in the root protocol;
   * {@code signature} is what its call takes ({@link Signature#UNCHECKED} when not declared).
   */
  public record Method(int id, String name, Graph dispatch, Graph upstream, Signature signature) {
    /** The call's arguments as the method takes them; see {@link Signature#decode}. */
    public Signature.Decoded decode(String service, List<Value> args) {
      return signature.decode(service + "." + name, args);
    }
  }

  private final Map<Integer, Method> methods;

  private Protocol(Map<Integer, Method> methods) {
    this.methods = methods;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The method with that id, or null. */
  public Method method(int id) {
    return methods.get(id);
  }

  public Map<Integer, Method> methods() {
    return methods;
  }

  /** Root map {@code {id: [name, dispatch, upstream]}}. */
  public Value toValue() {
    ValueFactory.MapBuilder map = ValueFactory.newMapBuilder();
    for (Method m : methods.values()) {
      map.put(ValueFactory.newInteger(m.id()),
          ValueFactory.newArray(Values.str(m.name()), m.dispatch().toValue(), m.upstream().toValue()));
    }
    return map.build();
  }

  /** Builds a protocol with ids in ascending order. */
  public static final class Builder {
    private final TreeMap<Integer, Method> methods = new TreeMap<>();

    /** A method whose arguments are not checked: a graph from the wire, or a client's view. */
    public Builder method(int id, String name, Graph dispatch, Graph upstream) {
      return method(id, name, Signature.UNCHECKED, dispatch, upstream);
    }

    public Builder method(int id, String name, Signature signature, Graph dispatch, Graph upstream) {
      methods.put(id, new Method(id, name, dispatch, upstream, signature));
      return this;
    }

    public Protocol build() {
      return new Protocol(Collections.unmodifiableMap(new TreeMap<>(methods)));
    }
  }
}
