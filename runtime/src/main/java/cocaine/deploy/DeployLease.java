package cocaine.deploy;

import cocaine.client.StorageClient;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Values;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One deploy's hold on an app (storage {@code leases/<app>}, a msgpack map of who, since when,
 * until when): a second deploy of the app while it is held is refused, naming the first. The lease
 * is written, then read back after {@code settle}: of two deploys that wrote at once only the one
 * whose write the storage kept goes on. A lease past its expiry (a deployer that died) is taken over.
 */
public final class DeployLease implements AutoCloseable {
  /** The storage collection; a platform collection. */
  public static final String COLLECTION = "leases";
  private static final List<String> TAGS = List.of("lease");

  /** Where the lease is kept: one record per app, {@code null} when there is none. */
  public interface Records {
    byte[] read(String app);

    void write(String app, byte[] blob);

    void remove(String app);

    /**
     * The records of {@code leases/} through the storage service, a connection per call (a deploy
     * holds its lease through a build of many minutes).
     */
    static Records of(Connector connect) {
      return new Records() {
        @Override
        public byte[] read(String app) {
          try (StorageClient storage = connect.open()) {
            return storage.read(COLLECTION, app);
          } catch (CocaineException e) {
            if (e.code().equals(ErrorCode.NOT_FOUND)) {
              return null;
            }
            throw e;
          } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
          }
        }

        @Override
        public void write(String app, byte[] blob) {
          try (StorageClient storage = connect.open()) {
            storage.write(COLLECTION, app, blob, TAGS);
          } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
          }
        }

        @Override
        public void remove(String app) {
          try (StorageClient storage = connect.open()) {
            storage.remove(COLLECTION, app);
          } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
          }
        }
      };
    }
  }

  /** Opens a storage client. */
  public interface Connector {
    StorageClient open() throws IOException;
  }

  /** Who holds an app's lease: {@code id} is this deploy's own, {@code by} the key or token fingerprint. */
  public record Holder(String id, String by, Instant since, Instant expires) {
    byte[] pack() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", id);
      m.put("by", by);
      m.put("since", since.toString());
      m.put("expires", expires.toString());
      return FrameEncoder.encodeValue(Values.fromJava(m));
    }

    /** A record that does not parse is null: it holds nothing and is overwritten. */
    static Holder unpack(byte[] blob) {
      try {
        if (Values.toJava(Values.unpack(blob)) instanceof Map<?, ?> m) {
          return new Holder(String.valueOf(m.get("id")), String.valueOf(m.get("by")),
              Instant.parse(String.valueOf(m.get("since"))), Instant.parse(String.valueOf(m.get("expires"))));
        }
      } catch (RuntimeException e) {
        // falls through: an unreadable lease holds nothing
      }
      return null;
    }
  }

  private static final Logger log = LoggerFactory.getLogger(DeployLease.class);

  private final Records records;
  private final String app;
  private final Holder held;

  private DeployLease(Records records, String app, Holder held) {
    this.records = records;
    this.app = app;
    this.held = held;
  }

  /**
   * Takes {@code app}'s lease for {@code ttl}.
   *
   * @param settle how long after its write the lease is read back (longer than any storage write takes)
   * @throws DeployFailed at step {@code lease} naming who holds the app's lease and since when
   */
  public static DeployLease acquire(Records records, String app, String by, Duration ttl, Duration settle,
      Clock clock) throws InterruptedException {
    refuseIfHeld(records, app, null, clock);
    Instant now = clock.instant();
    Holder ours = new Holder(UUID.randomUUID().toString(), by, now, now.plus(ttl));
    records.write(app, ours.pack());
    Thread.sleep(settle.toMillis());
    refuseIfHeld(records, app, ours.id(), clock);
    return new DeployLease(records, app, ours);
  }

  public Holder holder() {
    return held;
  }

  private static void refuseIfHeld(Records records, String app, String ours, Clock clock) {
    byte[] blob = records.read(app);
    Holder h = blob == null ? null : Holder.unpack(blob);
    if (ours != null && (h == null || !h.id().equals(ours))) {
      throw refusal(app, h, "took it at the same moment");
    }
    if (ours == null && h != null && h.expires().isAfter(clock.instant())) {
      throw refusal(app, h, "holds it");
    }
  }

  private static DeployFailed refusal(String app, Holder h, String doing) {
    return new DeployFailed("lease", "app '" + app + "' is being deployed by another deploy: "
        + (h == null ? "one that " + doing : h.by() + " " + doing + " since " + h.since() + " (until " + h.expires()
        + " at the latest)") + "; deploy again when it is done");
  }

  /** Gives the lease back when it is still ours; a failure is left to the expiry. */
  @Override
  public void close() {
    try {
      byte[] blob = records.read(app);
      Holder h = blob == null ? null : Holder.unpack(blob);
      if (h != null && h.id().equals(held.id())) {
        records.remove(app);
      }
    } catch (RuntimeException e) {
      log.warn("deploy lease of {} not given back (it expires at {}): {}", app, held.expires(), e.toString());
    }
  }
}
