package cocaine.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** Two deploys of one app: the second is refused naming the first; an expired or returned lease is free. */
class DeployLeaseTest {
  static final Duration TTL = Duration.ofMinutes(30);
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-06T23:00:00Z"), ZoneOffset.UTC);

  /** Leases in memory, as the storage service would keep them; {@code beforeRead} runs before each read. */
  static final class Memory implements DeployLease.Records {
    final Map<String, byte[]> map = new ConcurrentHashMap<>();
    Runnable beforeRead = () -> {};

    @Override
    public byte[] read(String app) {
      beforeRead.run();
      return map.get(app);
    }

    @Override
    public void write(String app, byte[] blob) {
      map.put(app, blob);
    }

    @Override
    public void remove(String app) {
      map.remove(app);
    }
  }

  final Memory records = new Memory();

  DeployLease acquire(String by, Clock clock) throws InterruptedException {
    return DeployLease.acquire(records, "echo", by, TTL, Duration.ZERO, clock);
  }

  @Test
  void secondDeployIsRefusedNamingTheFirstAndSinceWhen() throws Exception {
    try (DeployLease first = acquire("key:SHA256:ape", CLOCK)) {
      DeployFailed e = assertThrows(DeployFailed.class, () -> acquire("token:1a2b3c", CLOCK));
      assertEquals("lease", e.step());
      assertEquals("app 'echo' is being deployed by another deploy: key:SHA256:ape holds it since"
          + " 2026-12-06T23:00:00Z (until 2026-12-06T23:30:00Z at the latest); deploy again when it is done", e.reason());
      assertEquals("key:SHA256:ape", first.holder().by());
    }
    assertNull(records.map.get("echo"), "the lease is given back");
    acquire("token:1a2b3c", CLOCK).close();
  }

  @Test
  void anExpiredLeaseOfADeployerThatDiedIsTakenOver() throws Exception {
    acquire("key:dead", CLOCK); // never closed
    try (DeployLease later = acquire("key:next", Clock.offset(CLOCK, TTL.plusSeconds(1)))) {
      assertEquals("key:next", later.holder().by());
    }
  }

  @Test
  void ofTwoDeploysThatWroteAtOnceOnlyTheOneTheStorageKeptGoesOn() throws Exception {
    // the other deploy writes its lease between our write and our read-back
    records.beforeRead = () -> {
      if (records.map.containsKey("echo")) {
        records.beforeRead = () -> {};
        records.map.put("echo", new DeployLease.Holder("other", "key:other", CLOCK.instant(),
            CLOCK.instant().plus(TTL)).pack());
      }
    };
    DeployFailed e = assertThrows(DeployFailed.class, () -> acquire("key:ours", CLOCK));
    assertTrue(e.reason().contains("key:other took it at the same moment"), e.reason());
    assertEquals("other", DeployLease.Holder.unpack(records.map.get("echo")).id(), "the winner's lease stays");
  }

  @Test
  void anUnreadableLeaseHoldsNothing() throws Exception {
    records.map.put("echo", "not msgpack".getBytes(StandardCharsets.UTF_8));
    try (DeployLease ours = acquire("key:ours", CLOCK)) {
      assertEquals("key:ours", DeployLease.Holder.unpack(records.map.get("echo")).by());
    }
  }
}
