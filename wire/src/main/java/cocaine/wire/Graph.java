package cocaine.wire;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import org.msgpack.value.Value;
import org.msgpack.value.ValueFactory;

/**
 * One direction of a channel's protocol: message id to (name, what the sender's side becomes after
 * it). {@link #TERMINAL} ends that side, {@link #RECURSIVE} keeps the current state (docs/protocol.md 2).
 */
public final class Graph {
  /** The side is finished: nothing more may be sent. Encoded as {@code {}}. */
  public static final Graph TERMINAL = new Graph(Map.of());
  /** Stay in the same state, as {@code write} does. Encoded as {@code nil}. */
  public static final Graph RECURSIVE = new Graph(Map.of());

  public static final int VALUE = 0;
  public static final int ERROR = 1;
  public static final int WRITE = 0;
  public static final int CLOSE = 2;

  /** Request/response: one {@code value} or one {@code error}. */
  public static final Graph PRIMITIVE = builder().edge(VALUE, "value", TERMINAL).edge(ERROR, "error", TERMINAL).build();
  /** Any number of {@code write}, then {@code close} or {@code error}. */
  public static final Graph STREAMING = builder()
      .edge(WRITE, "write", RECURSIVE).edge(ERROR, "error", TERMINAL).edge(CLOSE, "close", TERMINAL).build();

  /** A message of a graph and the state its sender moves to. */
  public record Edge(String name, Graph next) {}

  private final Map<Integer, Edge> edges;

  private Graph(Map<Integer, Edge> edges) {
    this.edges = edges;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The edge for a message id, or null when that id is not allowed in this state. */
  public Edge edge(int id) {
    return edges.get(id);
  }

  public Map<Integer, Edge> edges() {
    return edges;
  }

  public boolean isTerminal() {
    return this == TERMINAL || (this != RECURSIVE && edges.isEmpty());
  }

  /** The state after sending {@code id} from this state; this state itself for a recursive edge. */
  public Graph after(int id) {
    Edge e = edges.get(id);
    if (e == null) {
      return null;
    }
    return e.next == RECURSIVE ? this : e.next;
  }

  /** Wire shape of a nested graph: {@code {id: [name, next]}}, next nil or {} or a map. */
  public Value toValue() {
    if (this == RECURSIVE) {
      return ValueFactory.newNil();
    }
    ValueFactory.MapBuilder map = ValueFactory.newMapBuilder();
    for (Map.Entry<Integer, Edge> e : edges.entrySet()) {
      map.put(ValueFactory.newInteger(e.getKey()),
          ValueFactory.newArray(Values.str(e.getValue().name), e.getValue().next.toValue()));
    }
    return map.build();
  }

  @Override
  public String toString() {
    return this == RECURSIVE ? "recursive" : edges.toString();
  }

  /** Builds a graph with ids in ascending order, as the original sends them. */
  public static final class Builder {
    private final TreeMap<Integer, Edge> edges = new TreeMap<>();

    public Builder edge(int id, String name, Graph next) {
      edges.put(id, new Edge(name, next));
      return this;
    }

    public Graph build() {
      return new Graph(Collections.unmodifiableMap(new TreeMap<>(edges)));
    }
  }
}
