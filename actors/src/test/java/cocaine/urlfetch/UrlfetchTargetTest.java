package cocaine.urlfetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.client.ServiceClient;
import cocaine.config.AddressBlock;
import cocaine.config.ServicesSettings;
import cocaine.rpc.service.Served;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Values;
import cocaine.wire.WireClient;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.msgpack.value.Value;

/**
 * urlfetch is no proxy into the node's own network: a server on 127.0.0.1 is refused at the first
 * hop and at a redirect, while 127.0.0.2 is reached because {@code allow-addresses} names it.
 */
@ExtendWith(TestKitJUnit5Extension.class)
class UrlfetchTargetTest {
  @JUnit5TestKit ActorTestKit kit = new JUnit5TestKitBuilder().build();
  HttpServer own;
  HttpServer sidecar;
  AtomicInteger ownHits = new AtomicInteger();
  Served served;
  ServiceClient client;
  String ownUrl;
  String sidecarUrl;

  @BeforeEach
  void start() throws Exception {
    own = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    own.createContext("/", x -> {
      ownHits.incrementAndGet();
      UrlfetchServiceTest.reply(x, 200, "the node's own port".getBytes(StandardCharsets.UTF_8));
    });
    own.start();
    ownUrl = "http://127.0.0.1:" + own.getAddress().getPort() + "/admin";
    sidecar = HttpServer.create(new InetSocketAddress("127.0.0.2", 0), 16);
    sidecar.createContext("/plain", x -> UrlfetchServiceTest.reply(x, 200, "sidecar".getBytes(StandardCharsets.UTF_8)));
    sidecar.createContext("/to-own", x -> UrlfetchServiceTest.redirect(x, ownUrl));
    sidecar.start();
    sidecarUrl = "http://127.0.0.2:" + sidecar.getAddress().getPort();
    served = Served.bind(kit.system(), new UrlfetchService(new ServicesSettings.Urlfetch(true, 2, 4096, 3,
        Duration.ofSeconds(30), List.of(AddressBlock.parse("127.0.0.2/32").orElseThrow()), false)));
    client = served.client();
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    served.close();
    sidecar.stop(0);
    own.stop(0);
  }

  CocaineException refused(String url) {
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> client.call("get", url, 20_000).get(20, TimeUnit.SECONDS));
    return (CocaineException) e.getCause();
  }

  static void assertDenied(CocaineException e, String... parts) {
    assertEquals(ErrorCode.PERMISSION_DENIED, e.code(), e.getMessage());
    assertTrue(e.getMessage().contains("cocaine.services.urlfetch.allow-addresses"), e.getMessage());
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), e.getMessage());
    }
  }

  @Test
  void loopbackByAddressAndByNameIsRefusedAndNeverReached() {
    assertDenied(refused(ownUrl), "127.0.0.1 is a loopback address");
    assertDenied(refused("http://localhost:" + own.getAddress().getPort() + "/admin"), "localhost resolves to",
        "a loopback address");
    assertEquals(0, ownHits.get());
  }

  @Test
  void aRedirectFromAnAllowedServerToLoopbackIsRefusedAtTheHop() throws Exception {
    List<Value> allowed = client.call("get", sidecarUrl + "/plain").get(20, TimeUnit.SECONDS);
    assertEquals("sidecar", new String(Values.asBytes(allowed.get(1)), StandardCharsets.UTF_8),
        "allow-addresses lets 127.0.0.2/32 through");
    assertDenied(refused(sidecarUrl + "/to-own"), ownUrl + " (a redirect from " + sidecarUrl + "/to-own)",
        "127.0.0.1 is a loopback address");
    assertEquals(0, ownHits.get(), "the redirect target was never fetched");
  }

  @Test
  void cloudMetadataIsRefusedBeforeAnyConnection() {
    // a connection attempt would end in [12, 5] or, with no route, [20991, 3]; [9, 3] is the check
    assertDenied(refused("http://169.254.169.254/latest/meta-data/"), "169.254.169.254 is a link-local address");
  }

  @Test
  void ipv6LoopbackAnyLocalAndMappedFormsAreRefused() {
    int port = own.getAddress().getPort();
    assertDenied(refused("http://[::1]:" + port + "/"), "0:0:0:0:0:0:0:1 is a loopback address");
    assertDenied(refused("http://[::ffff:127.0.0.1]:" + port + "/"), "127.0.0.1 is a loopback address");
    assertDenied(refused("http://[::]:" + port + "/"), "an any-local address");
    assertDenied(refused("http://0.0.0.0:" + port + "/"), "an any-local address");
    assertDenied(refused("http://224.0.0.1:" + port + "/"), "a multicast address");
    assertEquals(0, ownHits.get());
  }

  @Test
  void rawFramesGetTheRefusalAsAnErrorAndTheServiceServesTheNextCall() throws Exception {
    try (WireClient raw = new WireClient(served.port())) {
      long ch = raw.open(Message.of(UrlfetchService.GET, Values.str(ownUrl)));
      Frame reply = raw.next(ch);
      assertEquals(Graph.ERROR, reply.type(), reply.toString());
      ErrorCode denied = ErrorCode.PERMISSION_DENIED;
      assertEquals(Values.array(Values.integer(denied.category()), Values.integer(denied.code())), reply.args().get(0));
      assertTrue(Values.asString(reply.args().get(1)).contains("allow-addresses"), reply.toString());
      long next = raw.open(Message.of(UrlfetchService.GET, Values.str(sidecarUrl + "/plain")));
      assertEquals(Graph.VALUE, raw.next(next).type());
    }
    assertEquals(0, ownHits.get());
  }
}
