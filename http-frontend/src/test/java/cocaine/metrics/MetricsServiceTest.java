package cocaine.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.client.Connection;
import cocaine.client.Locator;
import cocaine.client.ServiceClient;
import cocaine.rpc.service.Server;
import cocaine.rpc.transport.ConnectionSettings;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.Message;
import cocaine.wire.Values;
import cocaine.wire.WireClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.stream.javadsl.Tcp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.msgpack.value.Value;

/** The metrics service over the real transport: plain and json answers, the query filter, refused input. */
@ExtendWith(TestKitJUnit5Extension.class)
class MetricsServiceTest {
  @JUnit5TestKit ActorTestKit kit = new JUnit5TestKitBuilder().build();
  final AtomicInteger apps = new AtomicInteger(2);
  MeterRegistry registry;
  MetricsService service;
  Tcp.ServerBinding binding;
  ServiceClient client;

  @BeforeEach
  void start() throws Exception {
    registry = RuntimeMeters.bind(new SimpleMeterRegistry(), apps::get);
    service = new MetricsService(registry);
    binding = Server.bind(kit.system(), "127.0.0.1", 0, service, ConnectionSettings.DEFAULTS)
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    Map<Integer, String> methods = Map.of(MetricsService.FETCH, "fetch");
    client = ServiceClient.connect(new Locator.Resolved(MetricsService.NAME, List.of(new Locator.Endpoint("127.0.0.1",
        binding.localAddress().getPort())), MetricsService.VERSION, methods, MetricsService.PROTOCOL.toValue()),
        Connection.Settings.DEFAULT);
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  Map<?, ?> fetch(Object... args) throws Exception {
    return (Map<?, ?>) Values.toJava(client.call("fetch", args).get(10, TimeUnit.SECONDS).get(0));
  }

  @Test
  void plainFetchAnswersTheNodesAndTheJvmsNumbersByFullName() throws Exception {
    Map<?, ?> all = fetch();
    assertEquals(2.0, ((Number) all.get("cocaine.node.apps.running")).doubleValue(), all.keySet().toString());
    assertTrue(all.keySet().stream().anyMatch(k -> ((String) k).startsWith("jvm.memory.used{")), all.keySet().toString());
    apps.set(5);
    assertEquals(5.0, ((Number) fetch("plain").get("cocaine.node.apps.running")).doubleValue());
  }

  @Test
  void aQueryKeepsTheNamesThatContainItAndJsonNestsThemAtTheDots() throws Exception {
    Map<?, ?> apps = fetch("plain", "apps.running");
    assertEquals(List.of("cocaine.node.apps.running"), List.copyOf(apps.keySet()));
    Map<?, ?> tree = fetch("json", "apps.running");
    Map<?, ?> node = (Map<?, ?>) ((Map<?, ?>) tree.get("cocaine")).get("node");
    assertEquals(2.0, ((Number) ((Map<?, ?>) node.get("apps")).get("running")).doubleValue(), tree.toString());
    assertTrue(fetch("plain", "no such meter").isEmpty());
  }

  @Test
  void aWrongTypeOrQueryIsRefusedAndExtrasIgnored() throws Exception {
    assertEquals(ErrorCode.INVALID_ARGUMENT, refused("xml"));
    assertEquals(ErrorCode.INVALID_ARGUMENT, refused(42));
    assertEquals(ErrorCode.INVALID_ARGUMENT, refused("plain", List.of("contains", "x")));
    assertFalse(fetch("plain", "apps", "extra", 1).isEmpty());
  }

  ErrorCode refused(Object... args) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> client.call("fetch", args).get(10, TimeUnit.SECONDS));
    return ((CocaineException) e.getCause()).code();
  }

  @Test
  void rawFramesFetchWithNoArgumentsAtAll() throws Exception {
    try (WireClient raw = new WireClient(binding.localAddress().getPort())) {
      long ch = raw.open(Message.of(MetricsService.FETCH));
      Frame reply = raw.next(ch);
      assertEquals(0, reply.type(), reply.toString());
      Value numbers = reply.args().get(0);
      assertEquals(Values.integer(2).asIntegerValue().toLong(),
          (long) numbers.asMapValue().map().get(Values.str("cocaine.node.apps.running")).asFloatValue().toDouble());
    }
  }
}
