package cocaine.locator;

import cocaine.routing.Continuum;
import cocaine.routing.RoutingGroup;
import cocaine.storage.Storage;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Values;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.msgpack.core.MessagePack;

/** Reads routing groups from storage ({@code groups/<name>}, a msgpack map app -> weight) as rings. */
final class RoutingGroups {
  static final String COLLECTION = "groups";
  /** Tags of the groups the locator loads at start (docs/protocol.md 4.1). */
  static final List<String> ACTIVE = List.of("group", "active");

  /**
   * @param rings a ring per group read, empty for a group no longer stored
   * @param failures groups that could not be read or are invalid, as messages naming the group
   */
  record Read(Map<String, Optional<Continuum>> rings, List<String> failures) {}

  private RoutingGroups() {}

  /** Never fails: each group's problem is one of the {@link Read#failures()}. */
  static CompletionStage<Read> read(Storage storage, List<String> names) {
    Map<String, Optional<Continuum>> rings = new TreeMap<>();
    List<String> failures = new ArrayList<>();
    List<CompletableFuture<Void>> reads = new ArrayList<>();
    for (String name : names) {
      reads.add(storage.read(COLLECTION, name).toCompletableFuture().handle((blob, failure) -> {
        // storage completes on its own threads: collect under a lock
        synchronized (rings) {
          if (blob != null) {
            try {
              rings.put(name, Optional.of(ring(name, blob)));
            } catch (RuntimeException e) {
              failures.add("routing group '" + name + "' is invalid, kept as it was: " + e.getMessage());
            }
          } else if (cause(failure) instanceof CocaineException ce && ce.code().equals(ErrorCode.NOT_FOUND)) {
            rings.put(name, Optional.empty());
          } else {
            failures.add("cannot read routing group '" + name + "', kept as it was: " + cause(failure).getMessage());
          }
        }
        return null;
      }));
    }
    return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenApply(v -> {
      synchronized (rings) {
        return new Read(Map.copyOf(rings), List.copyOf(failures));
      }
    });
  }

  /** A stored group as its ring. */
  static Continuum ring(String name, byte[] blob) {
    Object decoded;
    try {
      decoded = Values.toJava(MessagePack.newDefaultUnpacker(blob).unpackValue());
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("not msgpack: " + e.getMessage(), e);
    }
    if (!(decoded instanceof Map<?, ?> map)) {
      throw new IllegalArgumentException("must be a map app -> weight, got " + decoded);
    }
    @SuppressWarnings("unchecked")
    Map<String, ?> weights = (Map<String, ?>) map;
    return Continuum.of(RoutingGroup.fromMap(name, weights));
  }

  private static Throwable cause(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }
}
