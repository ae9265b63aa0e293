package cocaine.proxy.pool;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.admin.ProxyMetrics;
import cocaine.proxy.FakeCluster;
import cocaine.rpc.transport.ConnectionSettings;
import cocaine.wire.ErrorCode;
import java.time.Duration;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The pool actor on its own, against a fake cluster on the wire. */
class PoolActorTest {
  static final ActorTestKit kit = ActorTestKit.create();
  static final FakeCluster cluster = new FakeCluster(kit.system());
  static final LocatorClient locator = new LocatorClient(kit.system(), "127.0.0.1", cluster.locatorPort(),
      ConnectionSettings.DEFAULTS, Duration.ofSeconds(5));
  static final Pool.Options options = new Pool.Options(2, Duration.ofHours(1), 0.5, 4, 1024);

  @AfterAll
  static void stop() {
    locator.close();
    cluster.close();
    kit.shutdownTestKit();
  }

  static long far() {
    return System.nanoTime() + Duration.ofSeconds(30).toNanos();
  }

  @Test
  void aDroppedConnectionIsReplacedAtOnce() {
    cluster.app("dropping");
    ProxyMetrics metrics = ProxyMetrics.create();
    ActorRef<Pool.Command> pool = kit.spawn(Pool.create("dropping", options, locator,
        kit.<Pool.Idle>createTestProbe().ref(), metrics));
    TestProbe<Pool.Leased> probe = kit.createTestProbe();
    pool.tell(new Pool.Lease(far(), probe.ref()));
    Pool.Granted granted = probe.expectMessageClass(Pool.Granted.class);
    assertFalse(granted.streaming());
    await().atMost(Duration.ofSeconds(5)).until(() -> metrics.pools().get("dropping").connections() == 2);
    int resolves = cluster.locator.resolves("dropping");

    granted.connection().close();
    granted.release(); // as the request does once its channel failed with the connection

    await().atMost(Duration.ofSeconds(5)).until(() -> cluster.locator.resolves("dropping") == resolves + 1);
    await().atMost(Duration.ofSeconds(5)).until(() -> metrics.pools().get("dropping").connections() == 2
        && metrics.pools().get("dropping").inFlight() == 0);
    kit.stop(pool);
  }

  @Test
  void anUnknownAppRefusesItsWaitersAsRetriableAndSaysItIsIdle() {
    TestProbe<Pool.Idle> parent = kit.createTestProbe();
    ActorRef<Pool.Command> pool = kit.spawn(Pool.create("nobody", options, locator, parent.ref(),
        ProxyMetrics.create()));
    TestProbe<Pool.Leased> probe = kit.createTestProbe();
    pool.tell(new Pool.Lease(far(), probe.ref()));
    Pool.Refused refused = probe.expectMessageClass(Pool.Refused.class);
    assertTrue(refused.retriable());
    assertEquals(ErrorCode.SERVICE_NOT_AVAILABLE, refused.cause().code());
    assertEquals(pool, parent.expectMessageClass(Pool.Idle.class).pool());
    pool.tell(new Pool.Shutdown());
    probe.expectTerminated(pool);
  }

  @Test
  void tooManyWaitersAreRefusedAtOnce() {
    // the leases are all in the mailbox before the (failing) connect can answer, so two wait and one is too many
    TestProbe<Pool.Leased> probe = kit.createTestProbe();
    ActorRef<Pool.Command> pool = kit.spawn(Pool.create("crowded", new Pool.Options(1, Duration.ofHours(1), 0.5, 2,
        1024), new LocatorClient(kit.system(), "127.0.0.1", 1, ConnectionSettings.DEFAULTS, Duration.ofSeconds(3)),
        kit.<Pool.Idle>createTestProbe().ref(), ProxyMetrics.create()));
    pool.tell(new Pool.Lease(far(), probe.ref()));
    pool.tell(new Pool.Lease(far(), probe.ref()));
    pool.tell(new Pool.Lease(far(), probe.ref()));
    Pool.Refused third = probe.expectMessageClass(Pool.Refused.class, Duration.ofSeconds(1));
    assertFalse(third.retriable());
    assertTrue(third.cause().getMessage().contains("wait for a connection"), third.cause().getMessage());
    kit.stop(pool);
  }

  @Test
  void aStreamingManifestIsToldWithTheLease() {
    cluster.app("uploads");
    cluster.storage.manifest("uploads", Map.of("slave", "x", "streaming", true));
    ActorRef<Pool.Command> pool = kit.spawn(Pool.create("uploads", options, locator,
        kit.<Pool.Idle>createTestProbe().ref(), ProxyMetrics.create()));
    TestProbe<Pool.Leased> probe = kit.createTestProbe();
    pool.tell(new Pool.Lease(far(), probe.ref()));
    assertTrue(probe.expectMessageClass(Pool.Granted.class).streaming());
    kit.stop(pool);
  }
}
