package cocaine.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.wire.Graph;
import cocaine.wire.Protocol;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.msgpack.value.Value;

class JsonRpcTest {
  static final Value GRAPH = Protocol.builder()
      .method(0, "read", Graph.TERMINAL, Graph.PRIMITIVE)
      .method(1, "enqueue", Graph.STREAMING, Graph.STREAMING)
      .method(2, "emit", Graph.TERMINAL, Graph.TERMINAL)
      .method(5, "routing", Graph.builder().edge(0, "discard", Graph.TERMINAL).build(), Graph.STREAMING)
      .build().toValue();

  @Test
  void aMethodIsFoundByNameWithHowItsRepliesCome() {
    assertEquals(new JsonRpc.Api(0, JsonRpc.Kind.PRIMITIVE, Map.of()), JsonRpc.Api.find(GRAPH, "read").orElseThrow());
    JsonRpc.Api enqueue = JsonRpc.Api.find(GRAPH, "enqueue").orElseThrow();
    assertEquals(JsonRpc.Kind.STREAMING, enqueue.kind());
    assertEquals(Map.of("write", 0, "error", 1, "close", 2), enqueue.dispatch());
    assertEquals(JsonRpc.Kind.MUTE, JsonRpc.Api.find(GRAPH, "emit").orElseThrow().kind());
    // a stream the client can only discard is none of the tornado proxy's three kinds
    assertEquals(JsonRpc.Kind.OTHER, JsonRpc.Api.find(GRAPH, "routing").orElseThrow().kind());
  }

  @Test
  void anUnknownMethodOrAnEmptyProtocolFindsNothing() {
    assertTrue(JsonRpc.Api.find(GRAPH, "nope").isEmpty());
    assertTrue(JsonRpc.Api.find(Protocol.builder().build().toValue(), "read").isEmpty());
  }
}
